//! Asking one nameserver directly, as glibc would: the queries built and the answers read by
//! hickory-proto (no DNS codec of our own), sent over our own sockets (the project's
//! non-blocking connect), bounded by a deadline; UDP first (A and AAAA together on one
//! socket, as glibc sends them), a truncated answer asked again over TCP.
use crate::interrupt::Interrupt;
use crate::net::attempt::{self as connect, Waited};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use serde::Serialize;
use socket2::Socket;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How a query went, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// NOERROR with records of the type asked (or a CNAME chain to them).
    Answer,
    /// NOERROR without any: the name exists, not with this type.
    NoData,
    NxDomain,
    ServFail,
    Refused,
    /// Another response code (NOTIMP, FORMERR, ...).
    #[serde(rename = "other-rcode")]
    OtherRcode,
    Timeout,
    /// No exchange: the socket failed, the server refused the connection, a garbled answer.
    Error,
}

impl Outcome {
    pub fn token(self) -> &'static str {
        match self {
            Outcome::Answer => "answer",
            Outcome::NoData => "NODATA",
            Outcome::NxDomain => "NXDOMAIN",
            Outcome::ServFail => "SERVFAIL",
            Outcome::Refused => "REFUSED",
            Outcome::OtherRcode => "rcode",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
        }
    }

    /// What glibc does with this answer: accept it (an answer, NODATA, NXDOMAIN) or ask
    /// the next server (SERVFAIL, REFUSED, NOTIMP, silence, a failed exchange).
    pub fn accepted(self) -> bool {
        matches!(self, Outcome::Answer | Outcome::NoData | Outcome::NxDomain)
    }
}

/// One record of an answer section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    pub data: String,
}

/// One question asked of one server and what came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    #[serde(serialize_with = "crate::net::zone::ser_shown")]
    pub server: SocketAddr,
    pub name: String,
    #[serde(rename = "type")]
    pub qtype: String,
    pub outcome: Outcome,
    /// The response code as the server sent it; `None` without a response.
    pub rcode: Option<String>,
    pub answers: Vec<Answer>,
    /// The CNAME chain from the name asked to the name that has the records.
    pub chain: Vec<String>,
    /// The AD (authentic data) flag of the response.
    pub ad: bool,
    /// The UDP answer had TC set (it did not fit).
    pub truncated: bool,
    /// The answer shown came over TCP (asked with --tcp or use-vc, or after truncation).
    pub tcp: bool,
    #[serde(rename = "elapsed_ms", serialize_with = "crate::units::ser_ms")]
    pub elapsed: Duration,
    pub error: Option<String>,
}

impl Exchange {
    /// The addresses the answer holds (A and AAAA records), in order.
    pub fn addrs(&self) -> Vec<IpAddr> {
        self.answers
            .iter()
            .filter(|a| a.rtype == "A" || a.rtype == "AAAA")
            .filter_map(|a| a.data.parse().ok())
            .collect()
    }
}

/// How to ask.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub timeout: Duration,
    /// TCP from the start.
    pub tcp: bool,
    /// An EDNS0 OPT record (glibc sends one with `options edns0`), payload 1200 as glibc.
    pub edns0: bool,
}

/// glibc's EDNS0 payload size (RESOLV_EDNS_BUFFER_SIZE).
const EDNS_PAYLOAD: u16 = 1200;

/// Asks `server` about `name` for each of `types`, and returns one exchange per type.
pub fn ask(
    server: SocketAddr,
    name: &str,
    types: &[RecordType],
    how: &Ask,
    interrupt: &Interrupt,
) -> Vec<Exchange> {
    let queries: Vec<(RecordType, Result<Message, String>)> =
        types.iter().map(|&t| (t, build(name, t, how))).collect();
    let mut out: Vec<Exchange> = Vec::new();
    let start = Instant::now();
    let udp = if how.tcp {
        None
    } else {
        let msgs: Vec<Option<&Message>> = queries.iter().map(|(_, m)| m.as_ref().ok()).collect();
        Some(udp_exchange(server, &msgs, how, interrupt))
    };
    for (i, (t, msg)) in queries.iter().enumerate() {
        let mut ex = Exchange {
            server,
            name: name.to_string(),
            qtype: t.to_string(),
            outcome: Outcome::Error,
            rcode: None,
            answers: Vec::new(),
            chain: Vec::new(),
            ad: false,
            truncated: false,
            tcp: false,
            elapsed: Duration::ZERO,
            error: None,
        };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                ex.error = Some(e.clone());
                out.push(ex);
                continue;
            }
        };
        let mut got = match &udp {
            Some(results) => results[i].clone(),
            None => Err(Failure::Error("not asked over UDP".into())),
        };
        let mut elapsed = match &got {
            Ok((_, d)) => *d,
            Err(_) => start.elapsed(),
        };
        let truncated = matches!(&got, Ok((m, _)) if m.truncated());
        if how.tcp || truncated {
            let t0 = Instant::now();
            got = tcp_exchange(server, msg, how.timeout, interrupt);
            elapsed = if truncated {
                elapsed + t0.elapsed()
            } else {
                t0.elapsed()
            };
            ex.tcp = true;
        }
        ex.truncated = truncated;
        ex.elapsed = elapsed;
        match got {
            Ok((resp, _)) => fill(&mut ex, &resp, *t),
            Err(Failure::Timeout) => {
                ex.outcome = Outcome::Timeout;
                ex.error = Some(format!(
                    "no answer in {}",
                    humantime::format_duration(how.timeout)
                ));
            }
            Err(Failure::Error(e)) => ex.error = Some(e),
        }
        out.push(ex);
    }
    out
}

fn build(name: &str, t: RecordType, how: &Ask) -> Result<Message, String> {
    let mut qname = Name::from_ascii(name).map_err(|e| format!("{name}: {e}"))?;
    qname.set_fqdn(true);
    let mut m = Message::new();
    m.set_id(random_id())
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        // Asks the server to say whether it validated the answer (RFC 6840 5.7), as glibc
        // does with trust-ad; the AD flag is shown either way.
        .set_authentic_data(true)
        .add_query(Query::query(qname, t));
    if how.edns0 {
        let mut e = Edns::new();
        e.set_max_payload(EDNS_PAYLOAD);
        m.set_edns(e);
    }
    Ok(m)
}

fn random_id() -> u16 {
    let mut b = [0u8; 2];
    let n = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty()).unwrap_or(0);
    if n == 2 {
        u16::from_ne_bytes(b)
    } else {
        (Instant::now().elapsed().subsec_nanos() as u16) ^ (std::process::id() as u16)
    }
}

#[derive(Debug, Clone)]
enum Failure {
    Timeout,
    Error(String),
}

type Got = Result<(Message, Duration), Failure>;

/// Whether `resp` answers `q`: same id, a response, the same question (case aside).
fn answers_query(resp: &Message, q: &Message) -> bool {
    resp.id() == q.id()
        && resp.message_type() == MessageType::Response
        && match (resp.query(), q.query()) {
            (Some(a), Some(b)) => {
                a.query_type() == b.query_type()
                    && a.name()
                        .to_ascii()
                        .eq_ignore_ascii_case(&b.name().to_ascii())
            }
            // A SERVFAIL or REFUSED may come without the question.
            (None, _) => resp.response_code() != ResponseCode::NoError,
            _ => false,
        }
}

/// Sends every query on one connected UDP socket and waits for the answers until the
/// deadline; an answer to nothing we asked is ignored (as glibc does).
fn udp_exchange(
    server: SocketAddr,
    queries: &[Option<&Message>],
    how: &Ask,
    interrupt: &Interrupt,
) -> Vec<Got> {
    let start = Instant::now();
    let deadline = start + how.timeout;
    let mut out: Vec<Option<Got>> = queries
        .iter()
        .map(|q| q.is_none().then(|| Err(Failure::Error("not built".into()))))
        .collect();
    let tried = crate::net::attempt::connect_one(
        server,
        crate::net::Proto::Udp,
        how.timeout,
        interrupt,
        &mut |_| Ok(()),
    );
    let Some(sock) = tried.sock else {
        let why = format!(
            "udp socket to {}: {}",
            crate::net::zone::ShownAddr(server),
            tried.attempt.reason.token()
        );
        return out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Failure::Error(why.clone()))))
            .collect();
    };
    for (i, q) in queries.iter().enumerate() {
        let Some(q) = q else { continue };
        let sent = q
            .to_vec()
            .map_err(|e| e.to_string())
            .and_then(|b| sock.send(&b).map_err(|e| e.to_string()));
        if let Err(e) = sent {
            out[i] = Some(Err(Failure::Error(format!("send: {e}"))));
        }
    }
    let mut buf = vec![0u8; 65535];
    while out.iter().any(Option::is_none) {
        match connect::wait(sock.as_fd(), libc::POLLIN, deadline, interrupt) {
            Ok(Waited::Ready) => {}
            Ok(Waited::Timeout) => break,
            Ok(Waited::Interrupted) => {
                fail_rest(&mut out, "interrupted");
                break;
            }
            Err(e) => {
                fail_rest(&mut out, &format!("poll: {e}"));
                break;
            }
        }
        let n = match (&sock).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                let why = if errno == libc::ECONNREFUSED {
                    "ECONNREFUSED: nothing listens there (ICMP port unreachable)".to_string()
                } else {
                    format!("{}: {e}", crate::net::errno::name(errno))
                };
                fail_rest(&mut out, &why);
                break;
            }
        };
        let Ok(resp) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        for (i, q) in queries.iter().enumerate() {
            if let (None, Some(q)) = (&out[i], q) {
                if answers_query(&resp, q) {
                    out[i] = Some(Ok((resp, start.elapsed())));
                    break;
                }
            }
        }
    }
    out.into_iter()
        .map(|o| o.unwrap_or(Err(Failure::Timeout)))
        .collect()
}

fn fail_rest(out: &mut [Option<Got>], why: &str) {
    for o in out.iter_mut().filter(|o| o.is_none()) {
        *o = Some(Err(Failure::Error(why.to_string())));
    }
}

/// One query over TCP: connect, the length-prefixed message, the length-prefixed answer.
fn tcp_exchange(server: SocketAddr, q: &Message, timeout: Duration, interrupt: &Interrupt) -> Got {
    let start = Instant::now();
    let deadline = start + timeout;
    let tried = crate::net::attempt::connect_one(
        server,
        crate::net::Proto::Tcp,
        timeout,
        interrupt,
        &mut |_| Ok(()),
    );
    let Some(sock) = tried.sock else {
        return Err(match tried.attempt.reason {
            crate::probe::Reason::NoResponse => Failure::Timeout,
            r => Failure::Error(format!("tcp connect: {}", r.token())),
        });
    };
    let body = q.to_vec().map_err(|e| Failure::Error(e.to_string()))?;
    let mut framed = (body.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&body);
    write_all(&sock, &framed, deadline, interrupt)?;
    let mut len = [0u8; 2];
    read_exact(&sock, &mut len, deadline, interrupt)?;
    let mut resp = vec![0u8; u16::from_be_bytes(len) as usize];
    read_exact(&sock, &mut resp, deadline, interrupt)?;
    let m =
        Message::from_vec(&resp).map_err(|e| Failure::Error(format!("a garbled answer: {e}")))?;
    if !answers_query(&m, q) {
        return Err(Failure::Error("the answer is to another question".into()));
    }
    Ok((m, start.elapsed()))
}

fn write_all(
    sock: &Socket,
    buf: &[u8],
    deadline: Instant,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let mut done = 0;
    while done < buf.len() {
        match connect::wait(sock.as_fd(), libc::POLLOUT, deadline, interrupt) {
            Ok(Waited::Ready) => {}
            Ok(Waited::Timeout) => return Err(Failure::Timeout),
            Ok(Waited::Interrupted) => return Err(Failure::Error("interrupted".into())),
            Err(e) => return Err(Failure::Error(format!("poll: {e}"))),
        }
        match (&*sock).write(&buf[done..]) {
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(Failure::Error(format!("tcp write: {e}"))),
        }
    }
    Ok(())
}

fn read_exact(
    sock: &Socket,
    buf: &mut [u8],
    deadline: Instant,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let mut done = 0;
    while done < buf.len() {
        match connect::wait(sock.as_fd(), libc::POLLIN, deadline, interrupt) {
            Ok(Waited::Ready) => {}
            Ok(Waited::Timeout) => return Err(Failure::Timeout),
            Ok(Waited::Interrupted) => return Err(Failure::Error("interrupted".into())),
            Err(e) => return Err(Failure::Error(format!("poll: {e}"))),
        }
        match (&*sock).read(&mut buf[done..]) {
            Ok(0) => return Err(Failure::Error("the server closed the connection".into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(Failure::Error(format!("tcp read: {e}"))),
        }
    }
    Ok(())
}

/// The response's code, flags and answer section into the exchange, with its outcome.
fn fill(ex: &mut Exchange, resp: &Message, asked: RecordType) {
    let rcode = resp.response_code();
    ex.rcode = Some(rcode_name(rcode));
    ex.ad = resp.authentic_data();
    ex.truncated |= resp.truncated() && !ex.tcp;
    ex.answers = resp
        .answers()
        .iter()
        .map(|r| Answer {
            name: r.name().to_ascii().trim_end_matches('.').to_string(),
            rtype: r.record_type().to_string(),
            ttl: r.ttl(),
            data: match r.data() {
                RData::CNAME(c) => c.0.to_ascii().trim_end_matches('.').to_string(),
                d => d.to_string(),
            },
        })
        .collect();
    // The chain: from the name asked, each CNAME to its target.
    let mut at = ex.name.trim_end_matches('.').to_ascii_lowercase();
    let mut chain = vec![at.clone()];
    while let Some(next) = ex
        .answers
        .iter()
        .find(|a| a.rtype == "CNAME" && a.name.eq_ignore_ascii_case(&at))
    {
        at = next.data.to_ascii_lowercase();
        if chain.contains(&at) || chain.len() > 16 {
            break;
        }
        chain.push(at.clone());
    }
    ex.chain = if chain.len() > 1 { chain } else { Vec::new() };
    let has = ex
        .answers
        .iter()
        .any(|a| a.rtype == asked.to_string() && a.name.eq_ignore_ascii_case(&at));
    ex.outcome = match rcode {
        ResponseCode::NoError if has => Outcome::Answer,
        ResponseCode::NoError => Outcome::NoData,
        ResponseCode::NXDomain => Outcome::NxDomain,
        ResponseCode::ServFail => Outcome::ServFail,
        ResponseCode::Refused => Outcome::Refused,
        _ => Outcome::OtherRcode,
    };
}

/// A response code as dig and the RFCs write it (`NOERROR`, `NXDOMAIN`, ...).
pub fn rcode_name(rc: ResponseCode) -> String {
    let n = u16::from(rc);
    match n {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADVERS",
        _ => return format!("RCODE{n}"),
    }
    .to_string()
}
