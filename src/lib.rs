//! sockdiag: socket diagnostics and port probing.
//!
//! Layers, from the edge inwards:
//! - [`cli`]: the clap definitions (nothing past [`app`] and [`cmd`] imports clap);
//! - [`cmd`]: one module per subcommand that validates arguments into a plan, runs an engine
//!   and hands its records to [`output`];
//! - engines ([`resolve`], ...): return data, never print;
//! - [`output`]: the renderers (table, plain, JSON lines) over one record model.
pub mod app;
pub mod cli;
pub mod cmd;
pub mod connect;
pub mod error;
pub mod exit;
pub mod exporter;

pub mod generate;
pub mod http;
pub mod input;
pub mod interrupt;
pub mod net;
pub mod output;
pub mod probe;
pub mod resolve;
pub mod serve;
pub mod service;
pub mod sockets;
pub mod sockopt;
pub mod stats;
pub mod trace;
pub mod units;
pub mod why;
