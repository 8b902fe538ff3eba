//! `sockdiag exporter`: the plan (listen address, modules, allowed targets, bounds), then the
//! server until Ctrl-C or SIGTERM. The first line printed is the address it listens on.
use crate::cli::ExporterArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::exporter::{self, config, Allow, Exporter};
use crate::interrupt::Interrupt;
use crate::output::{json, Cell, Format, OutputOpts, Record};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

pub struct Plan {
    pub listen: SocketAddr,
    pub config: exporter::Config,
}

pub fn plan(args: &ExporterArgs) -> Result<Plan> {
    let listen = crate::input::listen::parse_listen(&args.listen)?;
    let modules = match &args.config {
        Some(p) => {
            let shown = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| {
                InputError::new("config", shown.clone(), format!("cannot be read: {e}"))
            })?;
            config::modules_from_toml(&text, &shown)?
        }
        None => config::default_modules(),
    };
    let allow = args
        .allow_targets
        .as_deref()
        .map(Allow::parse)
        .transpose()?;
    Ok(Plan {
        listen,
        config: exporter::Config {
            modules,
            allow,
            max_concurrent: args.max_concurrent as usize,
            max_connections: args.max_connections as usize,
        },
    })
}

#[derive(Serialize)]
struct Listening {
    url: String,
    modules: Vec<String>,
}

impl Record for Listening {
    const TYPE: &'static str = "exporter-listening";
    fn headers(_: u8) -> Vec<&'static str> {
        vec!["LISTENING", "MODULES"]
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![
            Cell::new(self.url.clone()),
            Cell::new(self.modules.join(",")),
        ]
    }
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    let server = exporter::bind(plan.listen)
        .map_err(crate::error::local(format!("listening on {}", plan.listen)))?;
    let addr = server.local_addr()?;
    let rec = Listening {
        url: format!("http://{addr}/"),
        modules: plan.config.modules.keys().cloned().collect(),
    };
    match out.format {
        Format::Json => json::write(w, &rec)?,
        _ => writeln!(w, "listening {} modules {}", rec.url, rec.modules.join(","))?,
    }
    w.flush()?;
    if !out.quiet && plan.config.allow.is_none() && !addr.ip().is_loopback() {
        eprintln!(
            "sockdiag: /probe on {addr} will probe any target for anyone who reaches it: \
             consider --allow-targets"
        );
    }
    let ex = Arc::new(Exporter::new(plan.config.clone(), interrupt.clone()));
    server
        .run(ex, &interrupt)
        .map_err(crate::error::local(format!("serving on {addr}")))?;
    Ok(if interrupt.raised() {
        Exit::Interrupted
    } else {
        Exit::Ok
    })
}
