//! Units shown to people and in JSON: times in milliseconds with microsecond precision.
//! A leaf: it imports nothing of the crate, so every layer can use it.
use std::time::Duration;

/// Milliseconds with microsecond precision, as JSON and tables show times.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// serde `serialize_with`: a [`Duration`] as its [`ms`] (fields named `..._ms`).
pub fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(ms(*d))
}

/// A count with thousands separated, as people read it: `65,535`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separated() {
        let t = super::thousands;
        assert_eq!(
            (t(0), t(999), t(1000), t(65535)),
            ("0".into(), "999".into(), "1,000".into(), "65,535".into())
        );
        assert_eq!(t(1_234_567), "1,234,567");
    }
}
