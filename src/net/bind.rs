//! Binding a socket to what the user asked to send from: a device, a source address.
use super::sys;
use socket2::{SockAddr, Socket};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

/// Binds a socket to the device and the source address asked for, before it connects: a
/// source of the other family is EAFNOSUPPORT (that address cannot be reached from it).
pub fn bind_local(
    sock: &Socket,
    v6: bool,
    source: Option<SocketAddr>,
    interface: Option<&str>,
) -> io::Result<()> {
    if let Some(dev) = interface {
        sock.bind_device(Some(dev.as_bytes()))?;
    }
    if let Some(src) = source {
        if src.is_ipv6() != v6 {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        }
        if src.port() != 0 {
            // Many probes share the one source port: their 4-tuples still differ.
            sock.set_reuse_address(true)?;
        } else {
            // Let connect() pick the port with the destination known, so the ephemeral
            // range is shared across destinations instead of used up by bind().
            sys::set_int(
                sock.as_raw_fd(),
                libc::SOL_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                1,
            )?;
        }
        sock.bind(&SockAddr::from(src))?;
    }
    Ok(())
}
