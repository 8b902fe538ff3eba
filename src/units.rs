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
