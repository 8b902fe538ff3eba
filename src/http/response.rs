//! Reading an HTTP/1.x response from any `Read`: the head, then the body framed as RFC 9112
//! says (no body for HEAD, 1xx, 204 and 304; chunked with trailers; Content-Length; or up to
//! the close). The body is counted, not kept, so memory stays small whatever its size.
use std::io::{self, Read};

/// Longest response head read before it is called malformed.
pub const MAX_HEAD: usize = 64 * 1024;
/// Bytes of a malformed response shown in the error.
const SHOWN: usize = 160;

/// How the body was delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    /// HEAD, 1xx, 204, 304: no body whatever the headers say.
    None,
    ContentLength,
    Chunked,
    /// Read until the server closed the connection.
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// In the order received; names as sent.
    pub headers: Vec<(String, String)>,
    pub trailers: Vec<(String, String)>,
    pub body_bytes: u64,
    pub framing: Framing,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not HTTP, or broken framing: what was wrong and the bytes received (escaped).
    #[error("malformed response: {what}; received {shown}")]
    Malformed { what: String, shown: String },
    #[error("the connection closed before any response")]
    Empty,
    #[error("reading the response: {0}")]
    Io(#[source] io::Error),
}

/// Bytes as a quoted, escaped string, cut at `SHOWN` bytes.
pub fn escaped(b: &[u8]) -> String {
    let cut = &b[..b.len().min(SHOWN)];
    let mut s = String::from("\"");
    for &c in cut {
        s.extend(std::ascii::escape_default(c).map(char::from));
    }
    s.push('"');
    if b.len() > SHOWN {
        s.push_str(&format!(" (first {SHOWN} of {} bytes)", b.len()));
    }
    s
}

/// A reader with a buffer we can search for line ends, and a record of the first bytes.
struct Input<'a, R: Read> {
    r: &'a mut R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Called once, when the first byte arrives.
    first: Option<&'a mut dyn FnMut()>,
}

impl<R: Read> Input<'_, R> {
    fn fill(&mut self) -> Result<usize, ReadError> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.r.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    if let Some(f) = self.first.take() {
                        f();
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    /// One line without its CRLF/LF; `None` at EOF before a line end.
    fn line(&mut self, limit: usize) -> Result<Option<String>, ReadError> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                let raw = &self.buf[self.pos..self.pos + i];
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let line = String::from_utf8_lossy(raw).into_owned();
                self.pos += i + 1;
                return Ok(Some(line));
            }
            if self.buf.len() - self.pos > limit {
                return Err(self.malformed("a line longer than 64 KiB"));
            }
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    fn malformed(&self, what: &str) -> ReadError {
        ReadError::Malformed {
            what: what.to_string(),
            shown: escaped(&self.buf),
        }
    }

    /// Counts and drops `n` body bytes; `Ok(false)` if the connection closed first.
    fn skip(&mut self, mut n: u64, count: &mut u64) -> Result<bool, ReadError> {
        while n > 0 {
            if self.pos == self.buf.len() && self.fill()? == 0 {
                return Ok(false);
            }
            let k = ((self.buf.len() - self.pos) as u64).min(n) as usize;
            self.pos += k;
            n -= k as u64;
            *count += k as u64;
            self.compact();
        }
        Ok(true)
    }

    /// Keeps the buffer from growing with a long body.
    fn compact(&mut self) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
    }
}

/// Reads one response; `head_request`: the request was HEAD (no body follows).
/// `on_first_byte` runs when the first byte arrives.
pub fn read<R: Read>(
    r: &mut R,
    head_request: bool,
    on_first_byte: &mut dyn FnMut(),
) -> Result<Response, ReadError> {
    let mut inp = Input {
        r,
        buf: Vec::with_capacity(16 * 1024),
        pos: 0,
        eof: false,
        first: Some(on_first_byte),
    };
    let mut resp = loop {
        let resp = read_head(&mut inp)?;
        // 1xx (100 Continue, 103 Early Hints) come before the real answer; 101 is final.
        if (100..200).contains(&resp.status) && resp.status != 101 {
            continue;
        }
        break resp;
    };
    let header = |name: &str| -> Vec<&str> {
        resp.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let no_body =
        head_request || (100..200).contains(&resp.status) || matches!(resp.status, 204 | 304);
    let te: Vec<String> = header("transfer-encoding")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let lengths = header("content-length");
    let framing = if no_body {
        Framing::None
    } else if te.last().is_some_and(|t| t == "chunked") {
        Framing::Chunked
    } else if !te.is_empty() {
        Framing::Close
    } else if !lengths.is_empty() {
        Framing::ContentLength
    } else {
        Framing::Close
    };
    resp.framing = framing;
    let mut count = 0u64;
    match framing {
        Framing::None => {}
        Framing::ContentLength => {
            let mut n: Option<u64> = None;
            for v in lengths.iter().flat_map(|v| v.split(',')) {
                let v = v.trim();
                let Ok(k) = v.parse::<u64>() else {
                    return Err(inp.malformed(&format!(
                        "Content-Length '{}' is not a number",
                        v.escape_debug()
                    )));
                };
                if n.is_some_and(|m| m != k) {
                    return Err(inp.malformed("Content-Length values disagree"));
                }
                n = Some(k);
            }
            let n = n.unwrap_or(0);
            if !inp.skip(n, &mut count)? {
                return Err(ReadError::Malformed {
                    what: format!("the connection closed after {count} of {n} body bytes"),
                    shown: escaped(b""),
                });
            }
        }
        Framing::Chunked => {
            loop {
                let Some(line) = inp.line(MAX_HEAD)? else {
                    return Err(inp.malformed(&format!(
                        "the connection closed inside the chunked body after {count} bytes"
                    )));
                };
                let size_text = line.split(';').next().unwrap_or("").trim();
                let Ok(size) = u64::from_str_radix(size_text, 16) else {
                    return Err(ReadError::Malformed {
                        what: format!("bad chunk size line after {count} body bytes"),
                        shown: escaped(line.as_bytes()),
                    });
                };
                if size == 0 {
                    break;
                }
                if !inp.skip(size, &mut count)? {
                    return Err(inp.malformed(&format!(
                        "the connection closed inside a chunk after {count} body bytes"
                    )));
                }
                match inp.line(2)? {
                    Some(l) if l.is_empty() => {}
                    _ => {
                        return Err(inp.malformed("a chunk is not followed by CRLF"));
                    }
                }
            }
            // Trailers, up to the empty line (a close right after the last chunk is tolerated).
            while let Some(line) = inp.line(MAX_HEAD)? {
                if line.is_empty() {
                    break;
                }
                let Some((n, v)) = line.split_once(':') else {
                    return Err(ReadError::Malformed {
                        what: "a trailer line without a colon".into(),
                        shown: escaped(line.as_bytes()),
                    });
                };
                resp.trailers
                    .push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        Framing::Close => {
            let leftover = (inp.buf.len() - inp.pos) as u64;
            count += leftover;
            inp.pos = inp.buf.len();
            inp.compact();
            while inp.fill()? > 0 {
                count += inp.buf.len() as u64;
                inp.pos = inp.buf.len();
                inp.compact();
            }
        }
    }
    resp.body_bytes = count;
    Ok(resp)
}

fn read_head<R: Read>(inp: &mut Input<'_, R>) -> Result<Response, ReadError> {
    let start = inp.pos;
    let Some(status_line) = inp.line(MAX_HEAD)? else {
        if inp.buf.len() == start {
            return Err(ReadError::Empty);
        }
        return Err(inp.malformed("the connection closed inside the status line"));
    };
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    let reason = parts.next().unwrap_or("").trim();
    if !(version.starts_with("HTTP/1.") && version.len() == 8) {
        return Err(inp.malformed("not an HTTP/1.x status line"));
    }
    let status = match code.parse::<u16>() {
        Ok(s) if code.len() == 3 && (100..=599).contains(&s) => s,
        _ => return Err(inp.malformed("the status code is not three digits 100-599")),
    };
    let mut headers = Vec::new();
    loop {
        if inp.pos - start > MAX_HEAD {
            return Err(inp.malformed("a response head longer than 64 KiB"));
        }
        let Some(line) = inp.line(MAX_HEAD)? else {
            return Err(inp.malformed("the connection closed inside the response head"));
        };
        if line.is_empty() {
            break;
        }
        let Some((n, v)) = line.split_once(':') else {
            return Err(inp.malformed("a header line without a colon"));
        };
        if n.is_empty() || n.contains([' ', '\t']) {
            return Err(inp.malformed("a header name with spaces"));
        }
        headers.push((n.to_string(), v.trim().to_string()));
    }
    Ok(Response {
        version: version.to_string(),
        status,
        reason: reason.to_string(),
        headers,
        trailers: Vec::new(),
        body_bytes: 0,
        framing: Framing::Close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes a few at a time, as a slow server would.
    struct Dribble<'a>(&'a [u8], usize);
    impl Read for Dribble<'_> {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(b.len());
            b[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn get(raw: &[u8], head: bool) -> Result<Response, ReadError> {
        let mut firsts = 0;
        let r = read(&mut Dribble(raw, 3), head, &mut || firsts += 1);
        assert!(firsts <= 1);
        r
    }

    #[test]
    fn framings() {
        let r = get(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
            false,
        )
        .unwrap();
        assert_eq!((r.status, r.reason.as_str(), r.body_bytes), (200, "OK", 5));
        assert_eq!(r.framing, Framing::ContentLength);
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Sum: 31\r\n\r\n";
        let r = get(raw, false).unwrap();
        assert_eq!((r.body_bytes, r.framing), (31, Framing::Chunked));
        assert_eq!(r.trailers, vec![("X-Sum".into(), "31".into())]);
        let r = get(
            b"HTTP/1.0 200 OK\nServer: x\n\nall of this until the close",
            false,
        )
        .unwrap();
        assert_eq!((r.body_bytes, r.framing), (27, Framing::Close));
        let r = get(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true).unwrap();
        assert_eq!((r.body_bytes, r.framing), (0, Framing::None));
        let r = get(b"HTTP/1.1 204 No Content\r\n\r\n", false).unwrap();
        assert_eq!(r.framing, Framing::None);
        let r = get(
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!((r.status, r.body_bytes), (304, 0));
        let r = get(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
            false,
        )
        .unwrap();
        assert_eq!((r.status, r.body_bytes), (404, 2));
        let r = get(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", false).unwrap();
        assert_eq!(r.reason, "");
    }

    #[test]
    fn malformed_shows_what_came() {
        let e = get(b"garbage\x01\r\n\r\n", false).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("not an HTTP/1.x status line"), "{msg}");
        assert!(msg.contains(r#""garbage\x01\r\n"#), "{msg}");
        assert!(matches!(get(b"", false), Err(ReadError::Empty)));
        for raw in [
            &b"HTTP/1.1 20 OK\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nServer: x\r\n",
        ] {
            assert!(
                matches!(get(raw, false), Err(ReadError::Malformed { .. })),
                "{}",
                escaped(raw)
            );
        }
    }

    proptest::proptest! {
        /// Any bytes at all: an answer or an error, never a panic.
        #[test]
        fn never_panics(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = get(&raw, false);
        }

        /// A chunked body cut into any chunk sizes counts the same bytes.
        #[test]
        fn chunk_sizes_do_not_matter(body in "[a-z]{0,300}", cut in 1usize..50) {
            let mut raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for c in body.as_bytes().chunks(cut) {
                raw.extend(format!("{:x}\r\n", c.len()).bytes());
                raw.extend(c);
                raw.extend(b"\r\n");
            }
            raw.extend(b"0\r\n\r\n");
            let r = get(&raw, false).unwrap();
            proptest::prop_assert_eq!(r.body_bytes, body.len() as u64);
        }
    }
}
