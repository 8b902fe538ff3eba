//! Received bytes for people: escaped text, or a hex dump.
/// Data for people: printable text as it is (newlines and tabs too), other bytes as `\xNN`,
/// a carriage return as `\r`.
pub fn escape(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' | '\t' => out.push(c),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        out.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A hex dump: offset, 16 bytes in hex, the printable ones as text.
pub fn hexdump(data: &[u8]) -> String {
    let mut out = String::new();
    for (i, row) in data.chunks(16).enumerate() {
        let mut hex = String::new();
        for (j, b) in row.iter().enumerate() {
            if j == 8 {
                hex.push(' ');
            }
            hex.push_str(&format!("{b:02x} "));
        }
        let text: String = row
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!("{:08x}  {hex:<49} |{text}|\n", i * 16));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_and_shows_the_rest() {
        assert_eq!(escape(b"SSH-2.0-x\r\n"), "SSH-2.0-x\\r\n");
        assert_eq!(escape(b"a\x00b\xffc\\"), "a\\x00b\\xffc\\\\");
        assert_eq!(escape("héllo\t".as_bytes()), "héllo\t");
    }

    #[test]
    fn hexdump_rows() {
        let d = hexdump(b"GET / HTTP/1.0\r\n\r\nxy");
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a "));
        assert!(lines[0].ends_with("|GET / HTTP/1.0..|"));
        assert!(
            lines[1].starts_with("00000010  0d 0a 78 79"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("|..xy|"));
    }
}
