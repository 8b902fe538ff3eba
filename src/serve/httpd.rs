//! `serve --http`: reading request heads (pipelined ones too, parsed by httparse) and writing
//! the answer. Pure functions over bytes, so they are tested without sockets.

/// Longest request head accepted; a longer one gets 431 and the connection is closed.
pub const MAX_HEAD: usize = 16 * 1024;
/// Most header lines in a request head (httparse fills a fixed array); more gets 431.
const MAX_FIELDS: usize = 100;

/// One request head found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Bytes of the head, blank line included.
    pub head_len: usize,
    pub method: String,
    pub target: String,
    /// Request body bytes that follow the head (Content-Length), to be read and dropped.
    pub body_len: u64,
    /// Whether the connection stays open after the answer.
    pub keep_alive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// No blank line yet: read more.
    Incomplete,
    Request(Request),
    /// Not HTTP/1.x as we serve it: answer with this status and reason, then close.
    Bad(u16, &'static str),
}

/// Looks for one complete request head at the start of `buf`.
pub fn parse(buf: &[u8]) -> Parsed {
    let Some(head_len) = head_end(buf) else {
        return if buf.len() > MAX_HEAD {
            Parsed::Bad(431, "Request Header Fields Too Large")
        } else {
            Parsed::Incomplete
        };
    };
    if head_len > MAX_HEAD {
        return Parsed::Bad(431, "Request Header Fields Too Large");
    }
    let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Parsed::Bad(400, "Bad Request"),
        Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Bad(431, "Request Header Fields Too Large")
        }
        Err(httparse::Error::Version) => return Parsed::Bad(505, "HTTP Version Not Supported"),
        Err(_) => return Parsed::Bad(400, "Bad Request"),
    }
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Parsed::Bad(400, "Bad Request");
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) || target.is_empty() {
        return Parsed::Bad(400, "Bad Request");
    }
    let mut keep_alive = version == 1;
    let mut body_len = 0u64;
    for h in req.headers.iter() {
        let Ok(value) = std::str::from_utf8(h.value) else {
            return Parsed::Bad(400, "Bad Request");
        };
        let (name, value) = (h.name, value.trim());
        if name.eq_ignore_ascii_case("connection") {
            for tok in value.split(',').map(str::trim) {
                if tok.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if tok.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            match value.parse::<u64>() {
                Ok(n) => body_len = n,
                Err(_) => return Parsed::Bad(400, "Bad Request"),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked request bodies are beyond a test server: say so and close.
            return Parsed::Bad(501, "Not Implemented");
        }
    }
    Parsed::Request(Request {
        head_len,
        method: method.to_string(),
        target: target.to_string(),
        body_len,
        keep_alive,
    })
}

/// The end of the head: after the first empty line (CRLF CRLF, or bare LF LF).
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

/// The answer to a request: 200 with a one-line body naming it (no body for HEAD).
pub fn response(req: &Request, id: u64, n: u64) -> Vec<u8> {
    let body = format!(
        "sockdiag serve: {} {} (connection {id}, request {n})\n",
        req.method, req.target
    );
    let conn = if req.keep_alive {
        "keep-alive"
    } else {
        "close"
    };
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nServer: sockdiag\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: {conn}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if req.method != "HEAD" {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

/// The answer to a malformed request; the connection closes after it.
pub fn error_response(status: u16, reason: &str) -> Vec<u8> {
    let body = format!("{status} {reason}\n");
    format!(
        "HTTP/1.1 {status} {reason}\r\nServer: sockdiag\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(buf: &[u8]) -> Request {
        match parse(buf) {
            Parsed::Request(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heads() {
        let r = req(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y");
        assert_eq!((r.head_len, r.keep_alive, r.body_len), (28, true, 0));
        assert_eq!(r.target, "/x");
        let r = req(b"GET / HTTP/1.0\r\n\r\n");
        assert!(!r.keep_alive);
        let r = req(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        assert!(r.keep_alive);
        let r = req(b"POST / HTTP/1.1\nContent-Length: 5\nConnection: close\n\nhello");
        assert_eq!((r.body_len, r.keep_alive, r.head_len), (5, false, 53));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: a\r\n"), Parsed::Incomplete);
        assert_eq!(parse(b"hello\r\n\r\n"), Parsed::Bad(400, "Bad Request"));
        assert!(matches!(
            parse(b"GET / HTTP/2\r\n\r\n"),
            Parsed::Bad(505, _)
        ));
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            Parsed::Bad(400, _)
        ));
        assert!(matches!(
            parse(&vec![b'a'; MAX_HEAD + 1]),
            Parsed::Bad(431, _)
        ));
    }

    #[test]
    fn head_has_no_body() {
        let r = req(b"HEAD / HTTP/1.1\r\n\r\n");
        let out = String::from_utf8(response(&r, 1, 1)).unwrap();
        assert!(out.ends_with("\r\n\r\n"), "{out}");
        assert!(out.contains("Content-Length: 49\r\n"), "{out}");
        let r = req(b"GET / HTTP/1.1\r\n\r\n");
        let out = String::from_utf8(response(&r, 1, 1)).unwrap();
        let (_, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(out.contains(&format!("Content-Length: {}\r\n", body.len())));
    }
}
