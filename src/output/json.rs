//! JSON lines: one object per record, `"type"` first, stable field names.
use super::Record;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Typed<'a, R: Serialize> {
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(flatten)]
    rec: &'a R,
}

/// The JSON object of one record, with its `"type"`.
pub fn to_value<R: Record>(rec: &R) -> serde_json::Value {
    serde_json::to_value(Typed { ty: R::TYPE, rec }).expect("records serialize")
}

/// Writes one record as one line and flushes, so a consumer sees it at once.
pub fn write<W: Write, R: Record>(w: &mut W, rec: &R) -> io::Result<()> {
    write_unflushed(w, rec)?;
    w.flush()
}

/// Writes one record as one line without flushing: for a long stream into a buffered
/// writer, which the caller flushes (a flush per record would be a write(2) per record).
pub fn write_unflushed<W: Write, R: Record>(w: &mut W, rec: &R) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &Typed { ty: R::TYPE, rec }).map_err(io::Error::from)?;
    w.write_all(b"\n")
}
