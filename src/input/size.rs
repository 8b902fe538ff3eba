//! Byte sizes from the command line, one syntax everywhere (`--sndbuf`, `--max-bytes`):
//! plain bytes, or with a unit: `K`/`KiB` (1024), `M`/`MiB`, `G`/`GiB`, and `kB`/`MB`/`GB`
//! (powers of 1000), in any case.
use crate::error::InputError;

/// A byte size of at most `max` bytes; `what` names it in the error.
pub fn parse_size(what: &'static str, s: &str, max: u64) -> Result<u64, InputError> {
    let t = s.trim();
    let bad = |why: String| InputError::new(what, s, why);
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(bad(
            "a size is bytes (65536) or with a unit: 64KiB, 4MiB, 1GiB".into(),
        ));
    }
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(bad(
                "unknown unit; use bytes or K/KiB, M/MiB, G/GiB (1024s), kB/MB/GB (1000s)".into(),
            ))
        }
    };
    let too_large = || bad(format!("at most {max} bytes"));
    let n: u64 = num.parse().map_err(|_| too_large())?;
    match n.checked_mul(mult) {
        Some(v) if v <= max => Ok(v),
        _ => Err(too_large()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    // The unit table itself is tested through `sockopt::parse` (buffer sizes); here: the
    // bound, and the two families of units side by side.
    #[test]
    fn bound_and_unit_families() {
        assert_eq!(parse_size("size", "1g", u64::MAX).unwrap(), 1 << 30);
        assert_eq!(parse_size("size", "1gb", u64::MAX).unwrap(), 1_000_000_000);
        assert_eq!(parse_size("size", "8GiB", u64::MAX).unwrap(), 8 << 30);
        assert!(parse_size("size", "8GiB", i32::MAX as u64).is_err());
        for bad in ["99999999999999999999", "20000000000G"] {
            let e = parse_size("size", bad, u64::MAX).unwrap_err();
            assert_eq!(
                (e.input.as_str(), e.why.as_str()),
                (bad, "at most 18446744073709551615 bytes")
            );
        }
    }
}
