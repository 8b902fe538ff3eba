//! What answers, from the bytes it sent: a table of recognisers, each a plain function over
//! the first bytes (a banner, or the reply to our probe). The first that knows them names
//! the service and, where the bytes say, its product and version.

/// What a recogniser learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub name: &'static str,
    pub product: Option<String>,
    pub version: Option<String>,
    /// How it is shown in brackets: the software as the server spells it (`OpenSSH_9.6p1`,
    /// `nginx/1.24.0`).
    pub detail: Option<String>,
}

impl Seen {
    fn new(name: &'static str) -> Seen {
        Seen {
            name,
            product: None,
            version: None,
            detail: None,
        }
    }
    fn with(mut self, product: Option<String>, version: Option<String>) -> Seen {
        self.detail = match (&product, &version) {
            (Some(p), Some(v)) => Some(format!("{p} {v}")),
            (Some(p), None) => Some(p.clone()),
            _ => None,
        };
        self.product = product;
        self.version = version;
        self
    }
}

/// One recogniser: its name (for tests and docs) and its test over the bytes and the port.
pub struct Recogniser {
    pub name: &'static str,
    pub test: fn(&[u8], u16) -> Option<Seen>,
}

/// The table, tried in order: the exact markers first, the looser ones (`220 `) last.
pub const RECOGNISERS: &[Recogniser] = &[
    Recogniser {
        name: "ssh",
        test: ssh,
    },
    Recogniser {
        name: "http",
        test: http,
    },
    Recogniser {
        name: "tls",
        test: tls,
    },
    Recogniser {
        name: "mysql",
        test: mysql,
    },
    Recogniser {
        name: "redis",
        test: redis,
    },
    Recogniser {
        name: "postgresql",
        test: postgresql,
    },
    Recogniser {
        name: "vnc",
        test: vnc,
    },
    Recogniser {
        name: "rtsp",
        test: rtsp,
    },
    Recogniser {
        name: "amqp",
        test: amqp,
    },
    Recogniser {
        name: "pop3",
        test: pop3,
    },
    Recogniser {
        name: "imap",
        test: imap,
    },
    Recogniser {
        name: "telnet",
        test: telnet,
    },
    Recogniser {
        name: "smtp/ftp",
        test: two_twenty,
    },
];

/// The first recogniser that knows these bytes.
pub fn recognise(b: &[u8], port: u16) -> Option<Seen> {
    RECOGNISERS.iter().find_map(|r| (r.test)(b, port))
}

/// The first line, without its line end, as text (lossy).
fn first_line(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim_end().to_string()
}

/// A product named in the text from a list of known ones, with the version after it when
/// there is one (`Postfix`, `vsFTPd 3.0.5`, `Dovecot`).
fn known_product(text: &str, known: &[&str]) -> Option<(String, Option<String>)> {
    let lower = text.to_ascii_lowercase();
    for k in known {
        if let Some(i) = lower.find(&k.to_ascii_lowercase()) {
            let after = &text[i + k.len()..];
            let v: String = after
                .trim_start_matches([' ', '/', '_', '-'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            let v = (v.starts_with(|c: char| c.is_ascii_digit())).then_some(v);
            return Some((k.to_string(), v));
        }
    }
    None
}

/// `SSH-2.0-OpenSSH_9.6p1 Ubuntu-3`: the software field names product and version.
fn ssh(b: &[u8], _: u16) -> Option<Seen> {
    if !b.starts_with(b"SSH-") {
        return None;
    }
    let line = first_line(b);
    let mut parts = line.splitn(3, '-');
    let (_, _proto, soft) = (parts.next(), parts.next()?, parts.next()?);
    let soft = soft.split_whitespace().next().unwrap_or("").to_string();
    let (p, v) = match soft.split_once('_') {
        Some((p, v)) => (p.to_string(), Some(v.to_string())),
        None => (soft.clone(), None),
    };
    let mut s = Seen::new("ssh").with((!p.is_empty()).then_some(p), v);
    s.detail = (!soft.is_empty()).then_some(soft);
    Some(s)
}

/// `HTTP/1.1 200 OK` and its `Server:` field (`nginx/1.24.0`).
fn http(b: &[u8], _: u16) -> Option<Seen> {
    if !b.starts_with(b"HTTP/1.") && !b.starts_with(b"HTTP/2") {
        return None;
    }
    let text = String::from_utf8_lossy(b);
    let server = text
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("server")
                .then(|| v.trim().to_string())
        })
        .filter(|s| !s.is_empty());
    let mut s = Seen::new("http");
    if let Some(sv) = server {
        let first = sv.split_whitespace().next().unwrap_or(&sv).to_string();
        let (p, v) = match first.split_once('/') {
            Some((p, v)) => (p.to_string(), Some(v.to_string())),
            None => (first.clone(), None),
        };
        s = s.with(Some(p), v);
        s.detail = Some(sv);
    }
    Some(s)
}

/// A TLS record (handshake or alert) where plain text was expected: TLS answers here.
fn tls(b: &[u8], _: u16) -> Option<Seen> {
    (b.len() >= 3 && matches!(b[0], 0x15 | 0x16) && b[1] == 3 && b[2] <= 4)
        .then(|| Seen::new("tls"))
}

/// MySQL's greeting: a packet (3-byte length, sequence 0), protocol 10, the server version
/// NUL-terminated; or an error packet (0xff) refusing this host.
fn mysql(b: &[u8], _: u16) -> Option<Seen> {
    if b.len() < 6 || b[3] != 0 {
        return None;
    }
    let len = b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16;
    if !(2..=4096).contains(&len) {
        return None;
    }
    let body = &b[4..];
    match body[0] {
        0x0a => {
            let end = body[1..].iter().position(|&c| c == 0)?;
            let v = std::str::from_utf8(&body[1..1 + end]).ok()?;
            if v.is_empty() || !v.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            let product = if v.to_ascii_lowercase().contains("mariadb") {
                "MariaDB"
            } else {
                "MySQL"
            };
            Some(Seen::new("mysql").with(Some(product.into()), Some(v.to_string())))
        }
        0xff if body.len() > 3 => {
            let msg = String::from_utf8_lossy(&body[3..]);
            (msg.contains("MySQL") || msg.contains("MariaDB") || msg.contains("not allowed"))
                .then(|| Seen::new("mysql"))
        }
        _ => None,
    }
}

/// Redis answers our HTTP line with an error (`-ERR unknown command 'HEAD'`), or says
/// `-NOAUTH`/`-DENIED` first.
fn redis(b: &[u8], _: u16) -> Option<Seen> {
    let l = first_line(b);
    (l.starts_with("-ERR") || l.starts_with("-NOAUTH") || l.starts_with("-DENIED"))
        .then(|| Seen::new("redis"))
}

/// PostgreSQL refuses our HTTP line as a bad startup packet with an error message (`E`, a
/// length, then fields such as `SFATAL`).
fn postgresql(b: &[u8], _: u16) -> Option<Seen> {
    (b.first() == Some(&b'E') && b.len() > 5 && b.windows(6).any(|w| w == b"SFATAL"))
        .then(|| Seen::new("postgresql"))
}

/// `RFB 003.008`.
fn vnc(b: &[u8], _: u16) -> Option<Seen> {
    if !b.starts_with(b"RFB ") {
        return None;
    }
    let v = first_line(&b[4..]);
    let v = v.split_once('.').map(|(a, b)| {
        format!(
            "{}.{}",
            a.trim_start_matches('0'),
            b.trim_start_matches('0')
        )
    });
    Some(Seen::new("vnc").with(Some("RFB".into()), v))
}

fn rtsp(b: &[u8], _: u16) -> Option<Seen> {
    b.starts_with(b"RTSP/1.").then(|| Seen::new("rtsp"))
}

fn amqp(b: &[u8], _: u16) -> Option<Seen> {
    b.starts_with(b"AMQP").then(|| Seen::new("amqp"))
}

fn pop3(b: &[u8], _: u16) -> Option<Seen> {
    if !b.starts_with(b"+OK") {
        return None;
    }
    let l = first_line(b);
    let (p, v) = known_product(&l, &["Dovecot", "Cyrus", "Courier", "Qpopper"]).unzip();
    Some(Seen::new("pop3").with(p, v.flatten()))
}

fn imap(b: &[u8], _: u16) -> Option<Seen> {
    if !b.starts_with(b"* OK") && !b.starts_with(b"* PREAUTH") {
        return None;
    }
    let l = first_line(b);
    let (p, v) = known_product(&l, &["Dovecot", "Cyrus", "Courier", "UW IMAP"]).unzip();
    Some(Seen::new("imap").with(p, v.flatten()))
}

/// Telnet opens with an IAC option negotiation (0xff then DO/DONT/WILL/WONT).
fn telnet(b: &[u8], _: u16) -> Option<Seen> {
    (b.len() >= 2 && b[0] == 0xff && (0xfb..=0xfe).contains(&b[1])).then(|| Seen::new("telnet"))
}

/// `220 ` greets both SMTP and FTP: the words say which (`ESMTP`, `FTP`), else the port.
fn two_twenty(b: &[u8], port: u16) -> Option<Seen> {
    if !b.starts_with(b"220") || !matches!(b.get(3), Some(b' ' | b'-')) {
        return None;
    }
    let l = first_line(b);
    let upper = l.to_ascii_uppercase();
    let name = if upper.contains("SMTP") || upper.contains("MAIL") {
        "smtp"
    } else if upper.contains("FTP") {
        "ftp"
    } else {
        match port {
            21 | 990 | 2121 => "ftp",
            25 | 465 | 587 | 2525 => "smtp",
            _ => "smtp|ftp",
        }
    };
    let known: &[&str] = match name {
        "ftp" => &[
            "vsFTPd",
            "ProFTPD",
            "Pure-FTPd",
            "FileZilla Server",
            "Microsoft FTP",
        ],
        _ => &[
            "Postfix",
            "Exim",
            "Sendmail",
            "OpenSMTPD",
            "Haraka",
            "Microsoft ESMTP",
        ],
    };
    let (p, v) = known_product(&l, known).unzip();
    Some(Seen::new(name).with(p, v.flatten()))
}

/// Bytes as text for people: printable ASCII as is, the rest `\xNN` (`\r`, `\n`, `\t` by
/// name), at most `max` bytes of input.
pub fn escape(b: &[u8], max: usize) -> String {
    let mut s = String::new();
    for &c in b.iter().take(max) {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    if b.len() > max {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(b: &[u8], port: u16) -> (String, Option<String>) {
        let s = recognise(b, port).unwrap_or_else(|| panic!("nothing knows {b:?}"));
        (s.name.to_string(), s.detail)
    }

    #[test]
    fn each_recogniser_knows_its_service() {
        let cases: &[(&[u8], u16, &str, Option<&str>)] = &[
            (
                b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n",
                22,
                "ssh",
                Some("OpenSSH_9.6p1"),
            ),
            (b"SSH-2.0-dropbear\r\n", 2222, "ssh", Some("dropbear")),
            (
                b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n\r\n",
                80,
                "http",
                Some("nginx/1.24.0"),
            ),
            (
                b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                8080,
                "http",
                None,
            ),
            (b"\x15\x03\x03\x00\x02\x02\x46", 8443, "tls", None),
            (
                b"J\x00\x00\x00\x0a8.0.36\x00\x08\x00\x00\x00",
                3306,
                "mysql",
                Some("MySQL 8.0.36"),
            ),
            (b"-ERR unknown command 'HEAD'\r\n", 6379, "redis", None),
            (
                b"E\x00\x00\x00\x55SFATAL\x00C0A000\x00",
                5432,
                "postgresql",
                None,
            ),
            (b"RFB 003.008\n", 5900, "vnc", Some("RFB 3.8")),
            (b"+OK Dovecot ready.\r\n", 110, "pop3", Some("Dovecot")),
            (
                b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n",
                143,
                "imap",
                Some("Dovecot"),
            ),
            (b"\xff\xfd\x18\xff\xfd\x20", 23, "telnet", None),
            (
                b"220 mail.example.test ESMTP Postfix (Debian)\r\n",
                25,
                "smtp",
                Some("Postfix"),
            ),
            (b"220 (vsFTPd 3.0.5)\r\n", 21, "ftp", Some("vsFTPd 3.0.5")),
            (b"220 welcome\r\n", 21, "ftp", None),
            (b"220 welcome\r\n", 4000, "smtp|ftp", None),
            (b"RTSP/1.0 400 Bad Request\r\n", 554, "rtsp", None),
        ];
        for (b, port, name, detail) in cases {
            assert_eq!(
                seen(b, *port),
                (name.to_string(), detail.map(String::from)),
                "{}",
                escape(b, 64)
            );
        }
    }

    #[test]
    fn bytes_no_recogniser_knows_are_none() {
        for b in [
            &b"hello"[..],
            b"\x00\x01\x02\x03",
            b"",
            b"SSH",
            b"\x16\x07",
            b"2200 nope",
        ] {
            assert_eq!(recognise(b, 1234), None, "{}", escape(b, 64));
        }
    }

    #[test]
    fn escape_shows_binary_and_stops_at_the_cap() {
        assert_eq!(escape(b"ok\r\n\x00\xff", 64), "ok\\r\\n\\x00\\xff");
        assert_eq!(escape(b"abcdef", 3), "abc...");
    }
}
