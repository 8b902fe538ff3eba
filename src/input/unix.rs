//! UNIX socket addresses as `connect` and `serve` take them: `unix:PATH` (a stream socket),
//! `unixgram:PATH` (datagrams); `@NAME` after the colon is a Linux abstract name, as ss and
//! socat show them (a file whose name starts with @: `unix:./@name`).
use crate::error::InputError;
use crate::net::unix::{UnixName, UnixTarget, MAX_NAME};
use std::path::Path;

/// `Some` when `s` names a UNIX socket (`unix:` or `unixgram:`), `None` for anything else.
pub fn parse(s: &str) -> Result<Option<UnixTarget>, InputError> {
    let (rest, dgram) = if let Some(r) = s.strip_prefix("unix:") {
        (r, false)
    } else if let Some(r) = s.strip_prefix("unixgram:") {
        (r, true)
    } else {
        return Ok(None);
    };
    let bad = |why: String| InputError::new("UNIX socket", s, why);
    let (name, len) = if let Some(n) = rest.strip_prefix('@') {
        if n.is_empty() {
            return Err(bad("an abstract name after @, e.g. unix:@sockdiag".into()));
        }
        (UnixName::abstract_name(n.as_bytes()), n.len())
    } else {
        if rest.is_empty() {
            return Err(bad(
                "a path after the colon, e.g. unix:/run/app.sock (or unix:@name for an abstract name)"
                    .into(),
            ));
        }
        if rest.contains('\0') {
            return Err(bad("a path holds no NUL byte".into()));
        }
        (UnixName::path(Path::new(rest)), rest.len())
    };
    if len > MAX_NAME {
        return Err(bad(format!(
            "{len} bytes: a UNIX socket name holds at most {MAX_NAME} (sun_path); \
             use a shorter path, e.g. a symlink to its directory"
        )));
    }
    Ok(Some(UnixTarget { name, dgram }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = parse("unix:/run/x.sock").unwrap().unwrap();
        assert_eq!((t.to_string(), t.dgram), ("unix:/run/x.sock".into(), false));
        let t = parse("unixgram:rel/x").unwrap().unwrap();
        assert_eq!((t.to_string(), t.dgram), ("unixgram:rel/x".into(), true));
        let t = parse("unix:@sd").unwrap().unwrap();
        assert_eq!(t.name, UnixName::abstract_name(b"sd"));
        assert_eq!(parse("127.0.0.1:80").unwrap(), None);
        assert_eq!(parse("localhost").unwrap(), None);
    }

    #[test]
    fn bad_forms_quote_the_input() {
        for (s, why) in [
            ("unix:", "a path after the colon"),
            ("unixgram:@", "an abstract name"),
            ("unix:/a\0b", "NUL"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.why.contains(why), "{s}: {e}");
            assert_eq!(e.input, s);
        }
        let long = format!("unix:/{}", "x".repeat(107));
        assert!(parse(&long).unwrap_err().why.contains("at most 107"));
        assert!(parse(&format!("unix:/{}", "x".repeat(106))).is_ok());
        assert!(parse(&format!("unix:@{}", "x".repeat(107))).is_ok());
        // The name after the first @ counts whole, its own leading @s too.
        let e = parse(&format!("unix:@@{}", "x".repeat(107))).unwrap_err();
        assert!(e.why.contains("108 bytes"), "{e}");
    }
}
