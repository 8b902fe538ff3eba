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
    r.map_err(|c| c.error)
}

/// A reader that hands out one segment per read, as a server's separate writes arrive.
struct Segments(std::collections::VecDeque<Vec<u8>>);
impl Read for Segments {
    fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
        let Some(mut seg) = self.0.pop_front() else {
            return Ok(0);
        };
        let n = seg.len().min(b.len());
        b[..n].copy_from_slice(&seg[..n]);
        if n < seg.len() {
            self.0.push_front(seg.split_off(n));
        }
        Ok(n)
    }
}

fn segments(segs: impl IntoIterator<Item = Vec<u8>>) -> Result<Response, Cut> {
    read(&mut Segments(segs.into_iter().collect()), false, &mut || {})
}

/// Regression (issue 18, bug 2): the final head in a later segment than the interim one.
#[test]
fn interim_response_then_the_final_one_in_a_later_read() {
    for interim in [
        &b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"[..],
        b"HTTP/1.1 100 Continue\r\n\r\n",
    ] {
        let r = segments([
            interim.to_vec(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        ])
        .unwrap();
        assert_eq!((r.status, r.body_bytes), (200, 2));
    }
}

/// Regression (issue 18, bug 3): headers, trailers, interim responses and chunk-size lines
/// each have a limit, whether the writes end on line ends or not.
#[test]
fn every_part_has_a_limit() {
    let line = b"X-Flood: aaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let flood = |head: &[u8], lines: usize, aligned: bool| -> Vec<Vec<u8>> {
        let mut segs = vec![head.to_vec()];
        let mut all = Vec::new();
        for _ in 0..lines {
            if aligned {
                segs.push(line.to_vec());
            } else {
                all.extend_from_slice(line);
            }
        }
        segs.extend(all.chunks(1000).map(|c| c.to_vec()));
        segs
    };
    for aligned in [true, false] {
        let e = segments(flood(b"HTTP/1.1 200 OK\r\n", 5000, aligned)).unwrap_err();
        assert!(e.partial.is_none());
        let m = e.error.to_string();
        assert!(
            m.contains("more than 1000 header lines (sockdiag's limit)"),
            "{m}"
        );
        let trailers = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
        let e = segments(flood(trailers, 5000, aligned)).unwrap_err();
        let m = e.error.to_string();
        assert!(m.contains("more than 1000 trailer lines"), "{m}");
        // The head came whole: the status and the body so far stay.
        let p = e.partial.unwrap();
        assert_eq!((p.status, p.body_bytes, p.trailers.len()), (200, 1, 1000));
    }
    // Fewer lines, but long ones: the byte limits.
    let long = format!("X-Long: {}\r\n", "a".repeat(3000));
    let mut segs = vec![b"HTTP/1.1 200 OK\r\n".to_vec()];
    segs.extend((0..30).map(|_| long.as_bytes().to_vec()));
    let m = segments(segs).unwrap_err().error.to_string();
    assert!(m.contains("a response head longer than 64 KiB"), "{m}");
    let mut segs = vec![b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec()];
    segs.extend((0..30).map(|_| long.as_bytes().to_vec()));
    let m = segments(segs).unwrap_err().error.to_string();
    assert!(m.contains("trailers longer than 64 KiB"), "{m}");
    let segs = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
        vec![b'0'; 5000],
    ];
    let m = segments(segs).unwrap_err().error.to_string();
    assert!(m.contains("a chunk-size line longer than 4 KiB"), "{m}");
    let m = segments((0..100).map(|_| b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()))
        .unwrap_err()
        .error
        .to_string();
    assert!(m.contains("more than 64 interim (1xx) responses"), "{m}");
    // At the limit, still read.
    let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
    for _ in 0..MAX_FIELDS {
        raw.extend_from_slice(b"A: b\r\n");
    }
    raw.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    assert!(get(&raw, false).is_err());
    raw.truncate(raw.len() - b"A: b\r\nContent-Length: 0\r\n\r\n".len());
    raw.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    assert_eq!(get(&raw, false).unwrap().headers.len(), MAX_FIELDS);
}

/// A body cut short keeps the head and the bytes counted.
#[test]
fn a_cut_body_keeps_the_head_and_the_count() {
    let e = segments([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nX-A: 1\r\n\r\nhello".to_vec()])
        .unwrap_err();
    assert_eq!(e.progress().as_deref(), Some("5 of 100 body bytes"));
    let p = e.partial.unwrap();
    assert_eq!(
        (p.status, p.body_bytes, p.framing),
        (200, 5, Framing::ContentLength)
    );
    assert_eq!(p.headers[1], ("X-A".into(), "1".into()));
    // Not even a head: nothing partial.
    let e = segments([b"HTTP/1.1 200 OK\r\n".to_vec()]).unwrap_err();
    assert!(e.partial.is_none() && e.progress().is_none());
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
