//! Option values from the command line: sizes (`65536`, `64KiB`, `4MiB`), counts, `--linger
//! D|off`. Only the form is checked here; the range is the kernel's to judge (a refused value
//! is that option's error in the output, not a usage error).
use crate::error::InputError;

/// The most a buffer size may be: the kernel takes an int.
pub const MAX_SIZE: u64 = i32::MAX as u64;

/// A buffer size (`crate::input::size` syntax) the kernel can take as an int.
pub fn parse_size(what: &'static str, s: &str) -> Result<u64, InputError> {
    crate::input::size::parse_size(what, s, MAX_SIZE)
}

/// An integer passed to the kernel as is (`--ttl`, `--keepcnt`): any int, even one the
/// kernel will refuse, so that its answer is what the user sees.
pub fn parse_int(what: &'static str, s: &str) -> Result<i32, InputError> {
    let t = s.trim();
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else {
        t.parse::<i64>().ok()
    };
    match v {
        Some(v) if i32::try_from(v).is_ok() => Ok(v as i32),
        Some(_) => Err(InputError::new(
            what,
            s,
            "out of range for the kernel's int option value",
        )),
        None => Err(InputError::new(
            what,
            s,
            "a whole number, e.g. 64 (or 0x10)",
        )),
    }
}

/// The most seconds or milliseconds a duration option may hold: the kernel takes an int.
/// (Beyond it nothing could be passed as asked, and `* 1000` on the way would overflow.)
const MAX_UNITS: u64 = i32::MAX as u64;

fn too_long(what: &'static str, s: &str, unit: &str) -> InputError {
    InputError::new(
        what,
        s,
        format!("out of range for the kernel's int option value (at most {MAX_UNITS} {unit})"),
    )
}

/// A duration that the kernel keeps in whole seconds (TCP_KEEPIDLE, SO_LINGER).
pub fn parse_secs(what: &'static str, s: &str) -> Result<u64, InputError> {
    let d =
        crate::input::duration::parse_duration(s).map_err(|e| InputError::new(what, s, e.why))?;
    if d.subsec_nanos() != 0 {
        return Err(InputError::new(
            what,
            s,
            "the kernel keeps this in whole seconds: e.g. 30s or 2m",
        ));
    }
    if d.as_secs() > MAX_UNITS {
        return Err(too_long(what, s, "seconds"));
    }
    Ok(d.as_secs())
}

/// A duration that the kernel keeps in whole milliseconds (TCP_USER_TIMEOUT).
pub fn parse_millis(what: &'static str, s: &str) -> Result<u64, InputError> {
    let d =
        crate::input::duration::parse_duration(s).map_err(|e| InputError::new(what, s, e.why))?;
    if d.subsec_nanos() % 1_000_000 != 0 {
        return Err(InputError::new(
            what,
            s,
            "the kernel keeps this in whole milliseconds: e.g. 500ms or 30s",
        ));
    }
    if d.as_millis() > MAX_UNITS as u128 {
        return Err(too_long(what, s, "milliseconds"));
    }
    Ok(d.as_millis() as u64)
}

/// `--linger off` or a duration in whole seconds (`0s`: close() resets the connection).
pub fn parse_linger(s: &str) -> Result<Option<u64>, InputError> {
    if s.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    parse_secs("linger", s).map(Some).map_err(|e| {
        InputError::new(
            "linger",
            s,
            format!("{}; or `off`", e.why.trim_end_matches(';')),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_table() {
        let ok: &[(&str, u64)] = &[
            ("65536", 65536),
            ("64KiB", 65536),
            ("64k", 65536),
            ("64K", 65536),
            ("4MiB", 4 << 20),
            ("4M", 4 << 20),
            ("1GiB", 1 << 30),
            ("10kB", 10_000),
            ("2MB", 2_000_000),
            ("0", 0),
            (" 1b ", 1),
            ("2147483647", 2147483647),
        ];
        for (s, v) in ok {
            assert_eq!(parse_size("sndbuf", s).unwrap(), *v, "{s}");
        }
        for bad in [
            "",
            "KiB",
            "-1",
            "1.5M",
            "64 parsecs",
            "2GiB",
            "99999999999999999999",
        ] {
            let e = parse_size("sndbuf", bad).unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("'{bad}'")), "{e}");
        }
    }

    #[test]
    fn ints_and_durations() {
        assert_eq!(parse_int("ttl", "256").unwrap(), 256);
        assert_eq!(parse_int("ttl", "-1").unwrap(), -1);
        assert_eq!(parse_int("tos", "0x10").unwrap(), 16);
        assert!(parse_int("ttl", "abc").is_err());
        assert!(parse_int("ttl", "4294967296").is_err());
        assert_eq!(parse_secs("keepidle", "2m").unwrap(), 120);
        assert!(parse_secs("keepidle", "1.5s").is_err());
        assert_eq!(parse_millis("user-timeout", "1.5s").unwrap(), 1500);
        assert!(parse_millis("user-timeout", "1.5ms").is_err());
        assert_eq!(parse_secs("keepidle", "2147483647s").unwrap(), 2147483647);
        assert_eq!(
            parse_millis("user-timeout", "2147483647ms").unwrap(),
            2147483647
        );
        // Beyond the kernel's int: refused here, never clamped, never overflowed.
        for (f, bad) in [
            (
                parse_secs as fn(&'static str, &str) -> Result<u64, InputError>,
                "2147483648s",
            ),
            (parse_secs, "20000000000000000s"),
            (parse_secs, "584542046090years"),
            (parse_millis, "2147483648ms"),
            (parse_millis, "99999999999h"),
        ] {
            let e = f("keepidle", bad).unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.why.contains("int"), "{e}");
        }
        assert_eq!(
            parse_linger("20000000000000000s").unwrap_err().input,
            "20000000000000000s"
        );
        assert_eq!(parse_linger("off").unwrap(), None);
        assert_eq!(parse_linger("0s").unwrap(), Some(0));
        assert_eq!(parse_linger("5s").unwrap(), Some(5));
        let e = parse_linger("soon").unwrap_err();
        assert!(
            e.to_string().contains("'soon'") && e.why.contains("off"),
            "{e}"
        );
    }
}
