//! What a host name may be, checked before any query is sent.
use crate::error::InputError;

/// Refuses names that cannot be valid DNS names, naming the rule broken. IP literals are not
/// checked here (the caller tries them first). Labels may hold any byte but NUL, space and
/// control characters: `_srv` and non-ASCII names are the resolver's business, not ours.
pub fn validate_hostname(name: &str) -> Result<(), InputError> {
    let bad = |why: String| Err(InputError::new("host name", name, why));
    if name.is_empty() {
        return bad("the name is empty".into());
    }
    if name.contains('\0') {
        return bad("it contains a NUL byte".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return bad(format!(
            "it contains {:?}; a host name has no spaces or control characters",
            c
        ));
    }
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return bad("the name is only a dot".into());
    }
    if body.len() > 253 {
        return bad(format!(
            "it is {} bytes long; a name has at most 253",
            body.len()
        ));
    }
    for label in body.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row, or a leading dot)".into());
        }
        if label.len() > 63 {
            return bad(format!(
                "the label '{}...' is {} bytes long; a label has at most 63",
                &label[..label.char_indices().nth(12).map_or(label.len(), |(i, _)| i)],
                label.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        let long_label = "a".repeat(64);
        let ok_label = "a".repeat(63);
        let long_name = vec!["abcdefghi"; 26].join("."); // 26*10-1 = 259 bytes
        let ok_name = vec!["a".repeat(62); 4].join("."); // 251 bytes
        let good = [
            "localhost",
            "example.test",
            "example.test.",
            "_sip._tcp.example.test",
            "xn--bcher-kva.test",
            ok_label.as_str(),
            ok_name.as_str(),
        ];
        for n in good {
            assert!(validate_hostname(n).is_ok(), "{n}");
        }
        let bad: &[(&str, &str)] = &[
            ("", "empty"),
            (".", "only a dot"),
            ("a..b", "empty label"),
            (".a", "empty label"),
            ("a b", "no spaces"),
            ("a\tb", "no spaces"),
            ("a\0b", "NUL"),
            (&long_label, "at most 63"),
            (&long_name, "at most 253"),
        ];
        for (n, why) in bad {
            let e = validate_hostname(n).unwrap_err();
            assert!(e.why.contains(why), "{n:?}: {e}");
            assert_eq!(e.input, *n);
        }
    }
}
