//! `connect unix:PATH` / `unixgram:PATH`: what the plan refuses for them.
use super::*;

/// `unix:PATH` / `unixgram:PATH`: the options that only IP connects take are refused, naming
/// the option.
pub(super) fn check_unix(
    args: &ConnectArgs,
    family: Family,
    u: &UnixTarget,
) -> Result<(), InputError> {
    let refuse = |opt: &str, why: &str| Err(InputError::new("option", opt, why));
    if let Some(p) = &args.port {
        return Err(InputError::new(
            "port",
            p.as_str(),
            format!("{u} is a UNIX socket: it has no port"),
        ));
    }
    let ip_only = "a UNIX socket has no IP address, interface or TCP/IP option";
    if args.udp {
        return refuse("--udp", "for UNIX datagrams, connect to unixgram:PATH");
    }
    if args.tls.tls {
        return refuse("--tls", "TLS runs over TCP connects only");
    }
    if args.source.is_some() {
        return refuse("--source", ip_only);
    }
    if args.interface.is_some() {
        return refuse("--interface", ip_only);
    }
    match family {
        Family::V4 => return refuse("-4", ip_only),
        Family::V6 => return refuse("-6", ip_only),
        Family::Any => {}
    }
    if let Some(opt) = args.set.given().first() {
        return refuse(opt, "socket options are set on TCP and UDP connects only");
    }
    if u.dgram {
        let stream_only = [
            (args.read.is_some(), "--read"),
            (args.until_close, "--until-close"),
            (args.banner, "--banner"),
            (args.shutdown, "--shutdown"),
        ];
        if let Some((_, opt)) = stream_only.iter().find(|(on, _)| *on) {
            return refuse(
                opt,
                "a unixgram connect sends one datagram and shows the reply: no --read, \
                 --until-close, --banner or --shutdown",
            );
        }
    }
    Ok(())
}
