//! Durations given on the command line (`250ms`, `1.5s`, `2m`), through humantime, and
//! rates (`--rate`), each bounded where it is parsed.
use crate::error::InputError;
use std::time::Duration;

/// The longest duration any flag takes. Far beyond what a network diagnostic waits for, and
/// small enough that every deadline (`Instant + d`), every millisecond count a kernel call
/// takes as an `int` (24h is 86,400,000 ms < 2^31) and every product of a timeout with a
/// retry or round count stays in range: a typo like `9223372036854775807s` is an input error,
/// not an overflow deep in an engine.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// The range of `--rate`, probes per second: the slowest is one every 1,000 seconds (its
/// pause, `1 / rate`, must be a duration), the fastest far beyond any network's.
pub const MIN_RATE: f64 = 0.001;
pub const MAX_RATE: f64 = 10_000_000.0;

/// Parses a duration such as `250ms`, `1.5s`, `1m30s`. A bare number is refused: the unit
/// matters too much in a network tool to guess it.
pub fn parse_duration(s: &str) -> Result<Duration, InputError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(InputError::new(
            "duration",
            s,
            "empty; write e.g. 250ms, 1.5s or 2m",
        ));
    }
    if t.starts_with('-') {
        return Err(InputError::new(
            "duration",
            s,
            "cannot be negative; write e.g. 250ms, 1.5s or 2m",
        ));
    }
    match humantime::parse_duration(t) {
        Ok(d) => Ok(d),
        Err(humantime::DurationError::NumberExpected(_))
            if t.chars().all(|c| c.is_ascii_digit()) =>
        {
            Err(InputError::new(
                "duration",
                s,
                "a unit is required: e.g. 250ms, 1.5s or 2m",
            ))
        }
        Err(humantime::DurationError::NumberOverflow) => {
            Err(InputError::new("duration", s, "out of range"))
        }
        // humantime lists months and years; no flag takes more than 24h.
        Err(humantime::DurationError::UnknownUnit { unit, .. }) if !unit.is_empty() => {
            Err(InputError::new(
                "duration",
                s,
                format!("unknown unit '{unit}': the units are ms, s, m and h (from 0s to 24h); write e.g. 250ms, 1.5s or 2m"),
            ))
        }
        Err(e) => Err(InputError::new(
            "duration",
            s,
            format!("{e}; write e.g. 250ms, 1.5s or 2m"),
        )),
    }
}

/// A duration as a flag takes it: [`parse_duration`], at most [`MAX_DURATION`].
pub fn parse_flag_duration(s: &str) -> Result<Duration, InputError> {
    let d = parse_duration(s)?;
    if d > MAX_DURATION {
        return Err(InputError::new(
            "duration",
            s,
            "out of range: a duration goes from 0s to 24h",
        ));
    }
    Ok(d)
}

/// clap value parser: the message is the same one line as every other input error.
pub fn clap_duration(s: &str) -> Result<Duration, String> {
    parse_flag_duration(s).map_err(|e| e.why)
}

/// clap value parser for a duration that must be more than zero (timeouts, `--duration`),
/// so the message quotes what was typed (`'0s'`, `'0.0m'`), not a `0` of its own.
pub fn clap_positive_duration(s: &str) -> Result<Duration, String> {
    let d = clap_duration(s)?;
    if d.is_zero() {
        return Err(InputError::new("duration", s, "must be more than zero").why);
    }
    Ok(d)
}

/// Probes per second: a finite number from [`MIN_RATE`] to [`MAX_RATE`].
pub fn parse_rate(s: &str) -> Result<f64, InputError> {
    let range = "a number of probes per second from 0.001 to 10000000";
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| InputError::new("rate", s, format!("not a number: {range}")))?;
    if !(MIN_RATE..=MAX_RATE).contains(&r) {
        // NaN fails `contains` too.
        return Err(InputError::new("rate", s, format!("out of range: {range}")));
    }
    Ok(r)
}

/// clap value parser for `--rate`.
pub fn clap_rate(s: &str) -> Result<f64, String> {
    parse_rate(s).map_err(|e| e.why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_table() {
        let ok: &[(&str, Duration)] = &[
            ("250ms", Duration::from_millis(250)),
            ("1s", Duration::from_secs(1)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.25s", Duration::from_millis(250)),
            ("2.5ms", Duration::from_micros(2500)),
            ("2m", Duration::from_secs(120)),
            ("1m30s", Duration::from_secs(90)),
            (" 3s ", Duration::from_secs(3)),
        ];
        for (s, d) in ok {
            assert_eq!(parse_duration(s).unwrap(), *d, "{s}");
        }
        for bad in ["", "5", "abc", "-1s", "1.2.3s", "5 parsecs", "1e400s"] {
            let e = parse_duration(bad).unwrap_err();
            assert_eq!(e.input, bad, "{bad}");
            assert!(e.to_string().contains(&format!("'{bad}'")), "{e}");
        }
        assert!(parse_duration("-1s").unwrap_err().why.contains("negative"));
    }

    #[test]
    fn flag_durations_and_rates_are_bounded() {
        assert_eq!(parse_flag_duration("24h").unwrap(), MAX_DURATION);
        assert_eq!(parse_flag_duration("0s").unwrap(), Duration::ZERO);
        for bad in [
            "86401s",
            "24.5h",
            "9223372036854775807s",
            "18446744073709551615s",
        ] {
            let e = parse_flag_duration(bad).unwrap_err();
            assert!(e.why.contains("0s to 24h"), "{bad}: {e}");
        }
        assert_eq!(parse_rate("0.001").unwrap(), 0.001);
        assert_eq!(parse_rate("1e7").unwrap(), 1e7);
        for bad in ["1e-20", "5e-324", "0", "-1", "inf", "NaN", "1e308", "x", ""] {
            let e = parse_rate(bad).unwrap_err();
            assert!(e.why.contains("0.001 to 10000000"), "{bad}: {e}");
            assert_eq!(e.input, bad);
        }
    }
}
