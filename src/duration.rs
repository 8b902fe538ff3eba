//! Durations given on the command line (`250ms`, `1.5s`, `2m`), through humantime.
use crate::error::InputError;
use std::time::Duration;

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
    if let Some(d) = parse_decimal_seconds(t) {
        return d.ok_or_else(|| InputError::new("duration", s, "out of range"));
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
        Err(e) => Err(InputError::new(
            "duration",
            s,
            format!("{e}; write e.g. 250ms, 1.5s or 2m"),
        )),
    }
}

/// humantime has no fractions (`1.5s`); accept `N.Fs` / `N.Fms` ourselves.
fn parse_decimal_seconds(t: &str) -> Option<Option<Duration>> {
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        return None;
    };
    if !num.contains('.') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return Some(None);
    }
    Some(Duration::try_from_secs_f64(v * scale).ok())
}

/// clap value parser: the message is the same one line as every other input error.
pub fn clap_duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.why)
}

/// Milliseconds with microsecond precision, as JSON and tables show times.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// serde `serialize_with`: a [`Duration`] as its [`ms`] (fields named `..._ms`).
pub fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(ms(*d))
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
    }
}
