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
    serde_json::to_writer(&mut *w, &Typed { ty: R::TYPE, rec }).map_err(io::Error::from)?;
    w.write_all(b"\n")?;
    w.flush()
}
