//! The Prometheus text exposition format (version 0.0.4), written by hand: a probe answers a
//! handful of gauges built fresh per request, which needs no registry, and the format is a few
//! lines of rules (HELP/TYPE once per family, label values escaped, floats as Go prints them).
use std::fmt::Write;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One response's metric families, in the order they are added.
#[derive(Debug, Default)]
pub struct Metrics {
    text: String,
    /// The family whose samples are being written (HELP and TYPE are out).
    current: String,
}

impl Metrics {
    /// A gauge family with one unlabelled sample.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }

    /// Starts a family (once: a second call with the same name adds samples to it).
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        if self.current == name {
            return;
        }
        self.current = name.to_string();
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// One sample of the current family (`name` may carry a suffix: `_total`, `_sum`).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape_label(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// A float as the exposition format reads it: `NaN`, `+Inf`, `-Inf`, or a decimal.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_escapes() {
        let mut m = Metrics::default();
        m.gauge("probe_success", "Whether the probe succeeded", 1.0);
        m.family("sockdiag_probe_state", "gauge", "The outcome\\ of it");
        m.sample(
            "sockdiag_probe_state",
            &[("state", "filtered"), ("reason", "a\"b\\c\nd")],
            1.0,
        );
        m.sample("sockdiag_probe_state", &[("state", "open")], 0.0);
        m.gauge("probe_duration_seconds", "How long", 0.000125);
        m.gauge("x", "inf", f64::INFINITY);
        assert_eq!(
            m.into_text(),
            "# HELP probe_success Whether the probe succeeded\n\
             # TYPE probe_success gauge\n\
             probe_success 1\n\
             # HELP sockdiag_probe_state The outcome\\\\ of it\n\
             # TYPE sockdiag_probe_state gauge\n\
             sockdiag_probe_state{state=\"filtered\",reason=\"a\\\"b\\\\c\\nd\"} 1\n\
             sockdiag_probe_state{state=\"open\"} 0\n\
             # HELP probe_duration_seconds How long\n\
             # TYPE probe_duration_seconds gauge\n\
             probe_duration_seconds 0.000125\n\
             # HELP x inf\n\
             # TYPE x gauge\n\
             x +Inf\n"
        );
    }
}
