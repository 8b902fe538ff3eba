//! The name layer: getaddrinfo's answer, and the `resolve --explain` replay of how it came
//! (which source, every server's answer, the disagreements).
use super::{Layer, Status, Step};
use crate::interrupt::Interrupt;
use crate::resolve::explain::{self, Explain};
use crate::resolve::{self, Family, ResolveRecord};
use std::net::SocketAddr;
use std::time::Instant;

/// What the name layer found, for the verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameFacts {
    pub record: ResolveRecord,
    pub explain: Explain,
}

pub(super) fn name_layer(
    name: &str,
    family: Family,
    interrupt: &Interrupt,
) -> (Step, NameFacts, Vec<SocketAddr>) {
    let started = Instant::now();
    let rec = resolve::resolve_one(name, family, false);
    let ecfg = explain::Config {
        servers: None,
        qtype: None,
        tcp: false,
        family,
    };
    let ex = explain::explain(name, &ecfg, &explain::System::read(), &rec, interrupt);
    let addrs: Vec<SocketAddr> = rec
        .addrs
        .iter()
        .map(|a| SocketAddr::new(a.addr, 0))
        .collect();
    let mut evidence = vec![format!("resolver: {}", ex.verdict.text)];
    for q in &ex.queries {
        let what = match q.outcome {
            explain::Outcome::Answer => q
                .answers
                .iter()
                .map(|a| a.data.clone())
                .collect::<Vec<_>>()
                .join(" "),
            o => o.token().to_string(),
        };
        evidence.push(format!(
            "{} {} {}: {what} ({:.1} ms)",
            explain::server_name(q.server),
            q.name,
            q.qtype,
            crate::units::ms(q.elapsed)
        ));
    }
    for d in &ex.verdict.disagreements {
        evidence.push(format!("{}: {}", d.kind, d.text));
    }
    let (status, summary) = match &rec.error {
        Some(e) => (Status::Failed, format!("{name}: {}", e.message)),
        None => {
            let list: Vec<String> = rec.addrs.iter().map(|a| a.addr.to_string()).collect();
            let from = match (ex.verdict.source, &ex.verdict.server) {
                ("hosts", _) => " from /etc/hosts".to_string(),
                (_, Some(s)) => format!(" from {s}"),
                _ => String::new(),
            };
            let status = if ex.verdict.disagreements.is_empty() {
                Status::Ok
            } else {
                Status::Warn
            };
            (status, format!("{}{from}", list.join(", ")))
        }
    };
    let step = Step {
        layer: Layer::Name,
        addr: None,
        status,
        summary,
        evidence,
        elapsed: started.elapsed(),
        data: serde_json::json!({
            "source": ex.verdict.source,
            "server": ex.verdict.server,
            "addrs": rec.addrs.iter().map(|a| a.addr).collect::<Vec<_>>(),
            "error": rec.error,
            "disagreements": ex.verdict.disagreements,
        }),
    };
    (
        step,
        NameFacts {
            record: rec,
            explain: ex,
        },
        addrs,
    )
}
