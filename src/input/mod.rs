//! What the user gives, parsed and checked before anything is sent: targets (names,
//! addresses, blocks, ranges), ports and service names, durations and rates, sizes, host
//! names, UNIX socket names, and lists read from files. Every error quotes the bad part (`InputError`).
pub mod duration;
pub mod listen;
pub mod lists;
pub mod names;
pub mod ports;
pub mod shard;
pub mod size;
pub mod targets;
pub mod top_ports;
pub mod unix;
