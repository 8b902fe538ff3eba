//! One module per subcommand: validate the arguments into a plan, run the engine, hand the
//! records to the renderers, decide the exit code.
pub mod connect;
pub mod exporter;
pub mod http;
pub mod opts;
pub mod probe;
pub mod resolve;
pub mod serve;
pub mod sockets;
pub mod trace;
pub mod why;
