//! What a host name may be, checked before any query is sent, and the form DNS carries:
//! international names (`bücher.test`) go out in their ASCII form (`xn--bcher-kva.test`).
use crate::error::InputError;
use std::borrow::Cow;

/// The name as DNS carries it: with a non-ASCII character, its ASCII form by IDNA (UTS 46,
/// as browsers and getent do: `bücher.test` is looked up as `xn--bcher-kva.test`); an ASCII
/// name as given. glibc's getaddrinfo refuses a non-ASCII name without a query (unless
/// built for AI_IDN), so this is what makes such names resolve at all.
pub fn ascii_name(name: &str) -> Result<Cow<'_, str>, InputError> {
    if name.is_ascii() {
        return Ok(Cow::Borrowed(name));
    }
    idna::domain_to_ascii(name).map(Cow::Owned).map_err(|_| {
        InputError::new(
            "host name",
            name,
            "not a valid international name: IDNA (UTS 46) has no ASCII form for it",
        )
    })
}

/// Both forms of an international name, Unicode and ASCII, whichever was given; `None` for
/// an ordinary name. An ASCII name is international when a label is punycode (`xn--`) that
/// decodes.
pub fn idn_forms(name: &str) -> Option<(String, String)> {
    if !name.is_ascii() {
        let ascii = idna::domain_to_ascii(name).ok()?;
        let (unicode, ok) = idna::domain_to_unicode(&ascii);
        return ok.is_ok().then_some((unicode, ascii));
    }
    let lower = name.to_ascii_lowercase();
    if !lower.split('.').any(|l| l.starts_with("xn--")) {
        return None;
    }
    let (unicode, ok) = idna::domain_to_unicode(&lower);
    (ok.is_ok() && unicode != lower).then_some((unicode, lower))
}

/// Refuses names that cannot be valid DNS names, naming the rule broken. IP literals are not
/// checked here (the caller tries them first). Labels may hold any byte but NUL, space and
/// control characters: `_srv` is the resolver's business, not ours. A non-ASCII name is
/// checked in its ASCII form ([`ascii_name`]), the one sent: a label's 63 bytes count there.
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
    let ascii = ascii_name(name)?;
    let body = ascii.strip_suffix('.').unwrap_or(&ascii);
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
            // International names are checked in the form sent.
            ("ü b.test", "no spaces"),
            ("\u{200b}.test", "empty label"),
            ("xn--abc-.ü", "not a valid international name"),
        ];
        for (n, why) in bad {
            let e = validate_hostname(n).unwrap_err();
            assert!(e.why.contains(why), "{n:?}: {e}");
            assert_eq!(e.input, *n);
        }
        // 60 ü are 2 bytes each, and 69 bytes in punycode: too long once converted.
        let long_idn = format!("{}.test", "ü".repeat(60));
        assert!(validate_hostname(&long_idn)
            .unwrap_err()
            .why
            .contains("at most 63"));
    }

    #[test]
    fn international_names_both_forms() {
        assert!(validate_hostname("bücher.test").is_ok());
        assert_eq!(ascii_name("bücher.test").unwrap(), "xn--bcher-kva.test");
        assert_eq!(ascii_name("Bücher.Test.").unwrap(), "xn--bcher-kva.test.");
        assert_eq!(
            ascii_name("_sip._tcp.bücher.test").unwrap(),
            "_sip._tcp.xn--bcher-kva.test"
        );
        assert_eq!(ascii_name("plain.test").unwrap(), "plain.test");
        let both = Some(("bücher.test".to_string(), "xn--bcher-kva.test".to_string()));
        assert_eq!(idn_forms("bücher.test"), both);
        assert_eq!(idn_forms("XN--bcher-kva.test"), both);
        assert_eq!(idn_forms("plain.test"), None);
        assert_eq!(idn_forms("xn--abc-.test"), None);
    }
}
