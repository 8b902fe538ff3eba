//! Reading an HTTP/1.x response from any `Read`: the head, then the body framed as RFC 9112
//! says (no body for HEAD, 1xx, 204 and 304; chunked with trailers; Content-Length; or up to
//! the close). The body is counted, not kept, and every other part of a response has a
//! limit (the head, its number of lines, interim responses, chunk-size lines, trailers), so
//! memory stays small whatever a server sends. A response cut short after its head keeps
//! what did arrive ([`Cut::partial`]).
use std::io::{self, Read};

/// Longest response head (status line and header lines) read.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most header lines in a head, and most trailer lines.
pub const MAX_FIELDS: usize = 1000;
/// Longest trailer section read.
pub const MAX_TRAILERS: usize = 64 * 1024;
/// Longest chunk-size line (the size and its extensions).
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// Most interim (1xx) responses before the final one.
pub const MAX_INTERIM: usize = 64;
/// Bytes asked for by one read.
const READ_SIZE: usize = 16 * 1024;
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
    /// A part of the response over its limit: which, and the bytes where it happened.
    #[error("{what} (sockdiag's limit); received {shown}")]
    Limit { what: String, shown: String },
    #[error("the connection closed before any response")]
    Empty,
    #[error("reading the response: {0}")]
    Io(#[source] io::Error),
}

/// A response that did not arrive whole: why, and what did arrive.
#[derive(Debug)]
pub struct Cut {
    pub error: ReadError,
    /// When the head was complete: the status, headers, framing, the body bytes counted
    /// and the trailers read so far.
    pub partial: Option<Box<Response>>,
    /// The body's length as announced (Content-Length), for "N of M bytes".
    pub expected: Option<u64>,
}

impl Cut {
    /// `5 of 100 body bytes` (or `5 body bytes`), when the head was complete.
    pub fn progress(&self) -> Option<String> {
        let r = self.partial.as_ref()?;
        Some(match self.expected {
            Some(m) => format!("{} of {m} body bytes", r.body_bytes),
            None => format!("{} body bytes", r.body_bytes),
        })
    }
}

impl From<ReadError> for Cut {
    fn from(error: ReadError) -> Cut {
        Cut {
            error,
            partial: None,
            expected: None,
        }
    }
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
/// The buffer holds the unread bytes (and at most one read's worth more than a line's
/// limit): what was consumed is dropped at the next fill.
struct Input<'a, R: Read> {
    r: &'a mut R,
    buf: Vec<u8>,
    pos: usize,
    /// Offset in the stream of `buf[0]`.
    base: u64,
    /// Called once, when the first byte arrives.
    first: Option<&'a mut dyn FnMut()>,
}

/// One line, or why there is none.
enum Line {
    /// Without its CRLF or LF.
    Text(String),
    /// The connection closed before a line end.
    Eof,
    /// No line end within the limit.
    TooLong,
}

impl<R: Read> Input<'_, R> {
    /// Offset in the stream of the next unread byte.
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes received and not consumed yet.
    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn fill(&mut self) -> Result<usize, ReadError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let mut chunk = [0u8; READ_SIZE];
        loop {
            match self.r.read(&mut chunk) {
                Ok(0) => return Ok(0),
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

    /// One line of at most `limit` bytes with its line end.
    fn line(&mut self, limit: usize) -> Result<Line, ReadError> {
        let mut searched = 0;
        loop {
            let pending = self.pending();
            if let Some(i) = pending[searched..].iter().position(|&b| b == b'\n') {
                let i = searched + i;
                if i + 1 > limit {
                    return Ok(Line::TooLong);
                }
                let raw = &pending[..i];
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let line = String::from_utf8_lossy(raw).into_owned();
                self.pos += i + 1;
                return Ok(Line::Text(line));
            }
            if pending.len() >= limit {
                return Ok(Line::TooLong);
            }
            searched = pending.len();
            if self.fill()? == 0 {
                return Ok(Line::Eof);
            }
        }
    }

    fn malformed(&self, what: &str) -> ReadError {
        ReadError::Malformed {
            what: what.to_string(),
            shown: escaped(&self.buf),
        }
    }

    /// A limit reached: shows the bytes from where the part over it starts.
    fn limit(&self, what: impl Into<String>) -> ReadError {
        ReadError::Limit {
            what: what.into(),
            shown: escaped(self.pending()),
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
        }
        Ok(true)
    }

    /// Counts and drops everything up to the close.
    fn skip_to_close(&mut self, count: &mut u64) -> Result<(), ReadError> {
        loop {
            *count += (self.buf.len() - self.pos) as u64;
            self.pos = self.buf.len();
            if self.fill()? == 0 {
                return Ok(());
            }
        }
    }
}

/// Reads one response; `head_request`: the request was HEAD (no body follows).
/// `on_first_byte` runs when the first byte arrives.
pub fn read<R: Read>(
    r: &mut R,
    head_request: bool,
    on_first_byte: &mut dyn FnMut(),
) -> Result<Response, Cut> {
    let mut inp = Input {
        r,
        buf: Vec::with_capacity(READ_SIZE),
        pos: 0,
        base: 0,
        first: Some(on_first_byte),
    };
    let mut interim = 0;
    let mut resp = loop {
        let resp = read_head(&mut inp, interim == 0)?;
        // 1xx (100 Continue, 103 Early Hints) come before the real answer; 101 is final.
        if (100..200).contains(&resp.status) && resp.status != 101 {
            interim += 1;
            if interim > MAX_INTERIM {
                return Err(inp
                    .limit(format!(
                        "more than {MAX_INTERIM} interim (1xx) responses before the final one"
                    ))
                    .into());
            }
            continue;
        }
        break resp;
    };
    let mut expected = None;
    let mut count = 0u64;
    let r = read_body(&mut inp, head_request, &mut resp, &mut expected, &mut count);
    resp.body_bytes = count;
    match r {
        Ok(()) => Ok(resp),
        Err(error) => Err(Cut {
            error,
            partial: Some(Box::new(resp)),
            expected,
        }),
    }
}

/// The body as the head frames it: sets `resp.framing` and the trailers, counts the bytes
/// in `count`, and the announced length in `expected`.
fn read_body<R: Read>(
    inp: &mut Input<'_, R>,
    head_request: bool,
    resp: &mut Response,
    expected: &mut Option<u64>,
    count: &mut u64,
) -> Result<(), ReadError> {
    let header = |name: &str| -> Vec<String> {
        resp.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
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
            *expected = Some(n);
            if !inp.skip(n, count)? {
                return Err(ReadError::Malformed {
                    what: format!("the connection closed after {count} of {n} body bytes"),
                    shown: escaped(b""),
                });
            }
        }
        Framing::Chunked => {
            loop {
                let line = match inp.line(MAX_CHUNK_LINE)? {
                    Line::Text(l) => l,
                    Line::Eof => {
                        return Err(inp.malformed(&format!(
                            "the connection closed inside the chunked body after {count} bytes"
                        )))
                    }
                    Line::TooLong => {
                        return Err(inp.limit(format!(
                            "a chunk-size line longer than {} KiB after {count} body bytes",
                            MAX_CHUNK_LINE / 1024
                        )))
                    }
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
                if !inp.skip(size, count)? {
                    return Err(inp.malformed(&format!(
                        "the connection closed inside a chunk after {count} body bytes"
                    )));
                }
                match inp.line(2)? {
                    Line::Text(l) if l.is_empty() => {}
                    _ => {
                        return Err(inp.malformed("a chunk is not followed by CRLF"));
                    }
                }
            }
            // Trailers, up to the empty line (a close right after the last chunk is tolerated).
            let start = inp.offset();
            loop {
                let used = (inp.offset() - start) as usize;
                let line = match inp.line(MAX_TRAILERS.saturating_sub(used))? {
                    Line::Text(l) => l,
                    Line::Eof => break,
                    Line::TooLong => {
                        return Err(
                            inp.limit(format!("trailers longer than {} KiB", MAX_TRAILERS / 1024))
                        )
                    }
                };
                if line.is_empty() {
                    break;
                }
                if resp.trailers.len() >= MAX_FIELDS {
                    return Err(inp.limit(format!("more than {MAX_FIELDS} trailer lines")));
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
        Framing::Close => inp.skip_to_close(count)?,
    }
    Ok(())
}

/// One response head; `first`: no interim response came before it. httparse parses it once
/// the blank line that ends it has arrived; the framing, limits and messages are ours.
fn read_head<R: Read>(inp: &mut Input<'_, R>, first: bool) -> Result<Response, ReadError> {
    let mut searched: usize = 0;
    let mut lines = 0;
    let mut status_checked = false;
    loop {
        let pending = inp.pending();
        lines += pending[searched..].iter().filter(|&&b| b == b'\n').count();
        // Parse only once a head end can be there: a dribbling server costs one search per
        // byte, not one parse.
        let from = searched.saturating_sub(3);
        let ended = pending[from..].windows(2).any(|w| w == b"\n\n")
            || pending[from..].windows(3).any(|w| w == b"\n\r\n");
        if ended {
            return parse_head(inp);
        }
        if lines > 0 && !status_checked {
            // The status line is whole: a server that is not HTTP is told at once.
            status_checked = true;
            match httparse::Response::new(&mut []).parse(pending) {
                Ok(_) | Err(httparse::Error::TooManyHeaders) => {}
                Err(e) => return Err(inp.malformed(what_is_wrong(e))),
            }
        }
        // The status line, then the header lines.
        if lines > MAX_FIELDS + 1 {
            return Err(inp.limit(format!(
                "a response head with more than {MAX_FIELDS} header lines"
            )));
        }
        if pending.len() >= MAX_HEAD {
            return Err(inp.limit(format!(
                "a response head longer than {} KiB",
                MAX_HEAD / 1024
            )));
        }
        searched = pending.len();
        if inp.fill()? == 0 {
            let pending = inp.pending();
            return Err(if pending.is_empty() && first {
                ReadError::Empty
            } else if pending.is_empty() {
                inp.malformed(
                    "the connection closed after an interim (1xx) response, before the final one",
                )
            } else if !pending.contains(&b'\n') {
                inp.malformed("the connection closed inside the status line")
            } else {
                inp.malformed("the connection closed inside the response head")
            });
        }
    }
}

/// What httparse found wrong, in the words of the other messages.
fn what_is_wrong(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::Version | httparse::Error::Token => "not an HTTP/1.x status line",
        httparse::Error::Status => "the status code is not three digits 100-599",
        httparse::Error::HeaderName => {
            "a header line without a colon, or a header name with spaces"
        }
        httparse::Error::HeaderValue => "a header value with control characters",
        _ => "a broken line end in the response head",
    }
}

/// Parses the complete head at the start of the pending bytes and consumes it.
fn parse_head<R: Read>(inp: &mut Input<'_, R>) -> Result<Response, ReadError> {
    let mut fields = vec![httparse::EMPTY_HEADER; MAX_FIELDS];
    let mut head = httparse::Response::new(&mut fields);
    let parsed = head.parse(inp.pending());
    let len = match parsed {
        Ok(httparse::Status::Complete(n)) if n <= MAX_HEAD => n,
        Ok(httparse::Status::Complete(_)) => {
            return Err(inp.limit(format!(
                "a response head longer than {} KiB",
                MAX_HEAD / 1024
            )))
        }
        Ok(httparse::Status::Partial) => {
            return Err(inp.malformed("a response head that does not end where it should"))
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(inp.limit(format!(
                "a response head with more than {MAX_FIELDS} header lines"
            )))
        }
        Err(e) => return Err(inp.malformed(what_is_wrong(e))),
    };
    let status = match head.code {
        Some(s) if (100..=599).contains(&s) => s,
        _ => return Err(inp.malformed("the status code is not three digits 100-599")),
    };
    let response = Response {
        version: format!("HTTP/1.{}", head.version.unwrap_or(1)),
        status,
        reason: head.reason.unwrap_or("").trim().to_string(),
        headers: head
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).trim().to_string(),
                )
            })
            .collect(),
        trailers: Vec::new(),
        body_bytes: 0,
        framing: Framing::Close,
    };
    inp.pos += len;
    Ok(response)
}

#[cfg(test)]
mod tests;
