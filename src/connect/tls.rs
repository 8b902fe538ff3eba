//! `connect --tls`: a rustls client over the connected socket. The handshake is bounded by
//! the timeout (and `--max-time`) and interruptible; then [`TlsStream`] is the connection's
//! [`Duplex`], non-blocking like the socket under it, so that the one-shot exchange and the
//! interactive session drive TLS exactly as they drive TCP. What the handshake settled (or
//! why it failed, in plain words) is a [`TlsReport`].
use super::duplex::Duplex;
use crate::interrupt::Interrupt;
use crate::net::attempt::{deadline_after, wait, Waited};
use crate::net::errno::errno_text;
use crate::net::tls::cert::CertInfo;
use crate::net::tls::verify::Recording;
use crate::net::tls::{self as shared, Context};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore};
use serde::Serialize;
use socket2::Socket;
use std::io::{self, Read};
use std::net::IpAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the TLS client is asked to do.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The CAs trusted: `--cacert`'s, or the Mozilla roots.
    pub roots: Arc<RootCertStore>,
    /// `--insecure`: go on whatever the certificate check says (it still runs, to be told).
    pub insecure: bool,
    /// The name sent as SNI and checked against the certificate; `None` (an address was
    /// given): no SNI, and the certificate must name the peer's address.
    pub sni: Option<String>,
    /// ALPN protocols offered, in order of preference.
    pub alpn: Vec<String>,
}

/// How the peer ended its side of the TLS session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerClose {
    /// With a close_notify alert: the data is complete.
    CloseNotify,
    /// The TCP stream ended without close_notify: what came may be truncated.
    EofWithoutCloseNotify,
}

/// What the handshake settled, or why there is no TLS session.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsReport {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: Option<String>,
    pub cipher: Option<String>,
    /// The protocol the server picked, if any.
    pub alpn: Option<String>,
    pub alpn_offered: Vec<String>,
    /// The server name sent (none for an address).
    pub sni: Option<String>,
    /// The certificate chain was checked and trusted for the name.
    pub verified: bool,
    /// Why it was not (the refusal, or `--insecure`).
    pub not_verified: Option<String>,
    /// The chain the server sent, its own certificate first.
    pub chain: Vec<CertInfo>,
    pub handshake_time: Option<Duration>,
    /// Why the handshake failed, in plain words.
    pub error: Option<String>,
    pub peer_close: Option<PeerClose>,
}

impl TlsReport {
    fn new(setup: &Setup) -> TlsReport {
        TlsReport {
            version: None,
            cipher: None,
            alpn: None,
            alpn_offered: setup.alpn.clone(),
            sni: setup.sni.clone(),
            verified: false,
            not_verified: None,
            chain: Vec::new(),
            handshake_time: None,
            error: None,
            peer_close: None,
        }
    }
}

/// How many of the first bytes received are kept, to quote a server that is not TLS.
const FIRST: usize = 48;

/// A TLS client session over a connected non-blocking socket.
pub struct TlsStream<'a> {
    sock: &'a Socket,
    conn: ClientConnection,
    /// Bytes read from the socket that rustls has not taken yet.
    pending: Vec<u8>,
    /// The first bytes the server sent (up to [`FIRST`]).
    first: Vec<u8>,
    /// Plaintext rustls holds, ready to read.
    buffered: usize,
    close_notify: bool,
    /// The socket read its end (the peer's FIN).
    tcp_eof: bool,
    /// A TLS error in the peer's data: returned once the plaintext before it is read.
    failed: Option<rustls::Error>,
    /// close_notify queued; the socket's SHUT_WR follows once it has left.
    shutting: bool,
    shut: bool,
}

/// Why a handshake did not finish.
enum Fail {
    Tls(rustls::Error),
    Eof,
    Io(io::Error),
    Timeout,
    Interrupted,
}

impl<'a> TlsStream<'a> {
    fn new(sock: &'a Socket, conn: ClientConnection) -> TlsStream<'a> {
        TlsStream {
            sock,
            conn,
            pending: Vec::new(),
            first: Vec::new(),
            buffered: 0,
            close_notify: false,
            tcp_eof: false,
            failed: None,
            shutting: false,
            shut: false,
        }
    }

    /// How the peer ended its side, if it has.
    pub fn peer_close(&self) -> Option<PeerClose> {
        if self.close_notify {
            Some(PeerClose::CloseNotify)
        } else if self.tcp_eof {
            Some(PeerClose::EofWithoutCloseNotify)
        } else {
            None
        }
    }

    /// Ends the session politely when its user is done: close_notify (unless sent already),
    /// sent if the socket takes it now.
    pub fn close(&mut self) {
        if !self.shutting && self.failed.is_none() {
            self.conn.send_close_notify();
        }
        let _ = self.send_pending();
    }

    /// Writes the TLS records rustls holds while the socket takes them; then, after a
    /// close_notify, SHUT_WR. `Ok(false)` when some remain (the socket is full).
    fn send_pending(&mut self) -> io::Result<bool> {
        while self.conn.wants_write() {
            let mut w = self.sock;
            match self.conn.write_tls(&mut w) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.shutting && !self.shut {
            super::duplex::shut_write(self.sock)?;
            self.shut = true;
        }
        Ok(true)
    }

    /// Feeds rustls what the socket has (and what it held back), processing the records.
    /// `Ok(false)` when nothing new arrived.
    fn take_in(&mut self) -> io::Result<bool> {
        if self.pending.is_empty() {
            let mut buf = [0u8; 16 * 1024];
            let mut r = self.sock;
            let n = loop {
                match r.read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.tcp_eof = true;
                // rustls learns of the end (a read_tls of 0), to tell a clean close from a cut.
                let _ = self.conn.read_tls(&mut io::empty());
                self.process();
                return Ok(true);
            }
            let room = FIRST.saturating_sub(self.first.len()).min(n);
            self.first.extend_from_slice(&buf[..room]);
            self.pending.extend_from_slice(&buf[..n]);
        }
        let mut fed = 0;
        while fed < self.pending.len() && self.failed.is_none() {
            let mut rest = &self.pending[fed..];
            match self.conn.read_tls(&mut rest) {
                Ok(0) => break,
                Ok(n) => fed += n,
                // Its plaintext buffer is full: the rest waits for the reader.
                Err(_) => break,
            }
            self.process();
        }
        self.pending.drain(..fed);
        Ok(true)
    }

    fn process(&mut self) {
        match self.conn.process_new_packets() {
            Ok(st) => {
                self.buffered = st.plaintext_bytes_to_read();
                self.close_notify |= st.peer_has_closed();
            }
            Err(e) => {
                self.failed = Some(e);
                // The alert rustls queued goes out if it can.
                let _ = self.send_pending();
            }
        }
    }

    /// Runs the handshake until it completes or fails, or `deadline`.
    fn handshake(&mut self, deadline: Instant, interrupt: &Interrupt) -> Result<(), Fail> {
        loop {
            if let Err(e) = self.send_pending() {
                // A server that refused us may have said why before it closed: read it.
                if self.failed.is_none() {
                    let _ = self.take_in();
                }
                if self.failed.is_none() {
                    return Err(Fail::Io(e));
                }
            }
            if let Some(e) = &self.failed {
                return Err(Fail::Tls(e.clone()));
            }
            if !self.conn.is_handshaking() {
                return Ok(());
            }
            if self.tcp_eof {
                return Err(Fail::Eof);
            }
            if self.take_in().map_err(Fail::Io)? {
                continue;
            }
            let mut ev = libc::POLLIN;
            if self.conn.wants_write() {
                ev |= libc::POLLOUT;
            }
            match wait(self.sock.as_fd(), ev, deadline, interrupt) {
                Ok(Waited::Ready) => {}
                Ok(Waited::Timeout) => return Err(Fail::Timeout),
                Ok(Waited::Interrupted) => return Err(Fail::Interrupted),
                Err(e) => return Err(Fail::Io(e)),
            }
        }
    }
}

impl Duplex for TlsStream<'_> {
    fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Writable too whenever rustls has records to send (a handshake message, an alert, a
    /// close_notify, data), whatever its user wants.
    fn interest(&self, read: bool, write: bool) -> i16 {
        let mut ev = 0;
        if read {
            ev |= libc::POLLIN;
        }
        if write || self.conn.wants_write() {
            ev |= libc::POLLOUT;
        }
        ev
    }

    /// Decrypted plaintext waits, or the end (or an error) is known: a read returns at once.
    fn readable_now(&self) -> bool {
        self.buffered > 0 || self.close_notify || self.tcp_eof || self.failed.is_some()
    }

    /// Plaintext; 0 at the peer's close_notify, or at the TCP end without one (then
    /// [`TlsStream::peer_close`] says the data may be truncated: an end, not an error).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Records rustls owes the peer (a key update, the close_notify) leave first; a
        // failure to send shows on the read side too.
        let _ = self.send_pending();
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => {
                    self.buffered = self.buffered.saturating_sub(n);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if let Some(e) = &self.failed {
                let why = shared::explain(e, &Context::default());
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("TLS: {why}"),
                ));
            }
            if self.tcp_eof {
                return Ok(0);
            }
            if !self.take_in()? {
                return Err(io::ErrorKind::WouldBlock.into());
            }
        }
    }

    /// Takes what rustls's outgoing buffer has room for (encrypting it) and sends what the
    /// socket takes; `WouldBlock` when the buffer is full.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.shutting {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "writing after the TLS close_notify",
            ));
        }
        if let Some(e) = &self.failed {
            let why = shared::explain(e, &Context::default());
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("TLS: {why}"),
            ));
        }
        self.send_pending()?;
        let n = io::Write::write(&mut self.conn.writer(), buf)?;
        match self.send_pending() {
            Err(e) if n == 0 => return Err(e),
            _ => {}
        }
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.send_pending()? {
            Ok(())
        } else {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    /// close_notify, then SHUT_WR once it has left (`WouldBlock` until then; a read, flush
    /// or another call finishes it).
    fn shutdown_write(&mut self) -> io::Result<()> {
        if !self.shutting {
            self.conn.send_close_notify();
            self.shutting = true;
        }
        self.flush()
    }
}

/// The first bytes of a server that does not speak TLS, quoted on one line: its first line
/// (or 40 bytes).
fn quote(first: &[u8]) -> String {
    let cut = match first.iter().position(|&b| b == b'\n') {
        Some(nl) if nl < 40 => nl + 1,
        _ => first.len().min(40),
    };
    let mut q = super::escape(&first[..cut])
        .replace('\n', "\\n")
        .replace('\t', "\\t")
        .replace('"', "\\\"");
    if first.len() > cut {
        q.push_str("...");
    }
    q
}

/// The handshake over the connected `sock` (whose peer is `peer`): the stream to exchange
/// data over, or `None` and why in the report.
pub(crate) fn handshake<'a>(
    sock: &'a Socket,
    peer: IpAddr,
    setup: &Setup,
    timeout: Duration,
    interrupt: &Interrupt,
    end: Option<Instant>,
) -> (Option<TlsStream<'a>>, TlsReport) {
    let mut report = TlsReport::new(setup);
    let provider = shared::provider();
    let verifier = match Recording::new(
        Arc::clone(&setup.roots),
        Arc::clone(&provider),
        setup.insecure,
    ) {
        Ok(v) => Arc::new(v),
        Err(e) => {
            report.error = Some(format!("the TLS client could not be set up: {e}"));
            return (None, report);
        }
    };
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            let mut cfg = b
                .dangerous()
                .with_custom_certificate_verifier(Arc::clone(&verifier) as _)
                .with_no_client_auth();
            cfg.alpn_protocols = setup.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
            cfg
        });
    let name = match &setup.sni {
        Some(n) => ServerName::try_from(n.clone()).map_err(|e| e.to_string()),
        None => Ok(ServerName::IpAddress(peer.into())),
    };
    let conn = match (cfg, name) {
        (Ok(cfg), Ok(name)) => {
            ClientConnection::new(Arc::new(cfg), name).map_err(|e| e.to_string())
        }
        (Err(e), _) => Err(e.to_string()),
        (_, Err(e)) => Err(e),
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            report.error = Some(format!("the TLS client could not be set up: {e}"));
            return (None, report);
        }
    };
    let start = Instant::now();
    let deadline = super::exchange::sooner(deadline_after(start, timeout), end);
    let mut stream = TlsStream::new(sock, conn);
    let outcome = stream.handshake(deadline, interrupt);
    let verdict = verifier.verdict();
    report.chain = verdict
        .chain
        .iter()
        .filter_map(|c| CertInfo::parse(c.as_ref()))
        .collect();
    let asked = setup.sni.clone().unwrap_or_else(|| peer.to_string());
    let cx = Context {
        chain: &report.chain,
        asked: Some(&asked),
        alpn: &setup.alpn,
    };
    let check = verdict
        .result
        .as_ref()
        .map(|r| r.as_ref().map_err(|e| shared::explain(e, &cx)));
    match outcome {
        Ok(()) => {
            report.handshake_time = Some(start.elapsed());
            let c = &stream.conn;
            report.version = c.protocol_version().map(shared::version_text);
            report.cipher = c
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()));
            report.alpn = c
                .alpn_protocol()
                .map(|a| String::from_utf8_lossy(a).into_owned());
            if setup.insecure {
                report.not_verified = Some(format!(
                    "--insecure: the certificate was not checked ({})",
                    match check {
                        Some(Ok(())) => "the check would have passed".to_string(),
                        Some(Err(why)) => format!("the check would have refused it: {why}"),
                        None => "no certificate".to_string(),
                    }
                ));
            } else {
                report.verified = matches!(check, Some(Ok(())));
            }
            (Some(stream), report)
        }
        Err(fail) => {
            let why = if !shared::looks_like_tls(&stream.first) {
                format!(
                    "the server did not speak TLS (it sent \"{}\")",
                    quote(&stream.first)
                )
            } else {
                let nothing = stream.first.is_empty();
                match fail {
                    Fail::Tls(e) => shared::explain(&e, &cx),
                    Fail::Eof if nothing => "the server closed the connection without answering \
                                             the ClientHello (not a TLS port, or it refused the hello)"
                        .into(),
                    Fail::Eof => "the server closed the connection during the TLS handshake".into(),
                    Fail::Io(e) if e.raw_os_error() == Some(libc::ECONNRESET) => format!(
                        "the server reset the connection during the TLS handshake{}",
                        if nothing { " (before any answer)" } else { "" }
                    ),
                    Fail::Io(e) => format!("TLS handshake: {}", errno_text(&e)),
                    Fail::Timeout if super::exchange::past(end) => {
                        "--max-time ran out during the TLS handshake".into()
                    }
                    Fail::Timeout if nothing => format!(
                        "no TLS answer within {}: the server sent nothing back to the ClientHello (not a TLS port?)",
                        humantime::format_duration(timeout)
                    ),
                    Fail::Timeout => format!(
                        "the TLS handshake did not complete within {}",
                        humantime::format_duration(timeout)
                    ),
                    Fail::Interrupted => "interrupted during the TLS handshake".into(),
                }
            };
            report.not_verified = match check {
                Some(Err(refusal)) => Some(refusal),
                _ => Some("no TLS session".into()),
            };
            report.error = Some(why);
            (None, report)
        }
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
