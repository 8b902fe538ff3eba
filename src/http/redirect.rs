//! Following redirects as blackbox_exporter (Go's net/http client) does: a 301, 302, 303, 307
//! or 308 with a `Location` is followed, at most [`MAX_REDIRECTS`] times, within the one
//! deadline of the request. Every hop is a [`fetch_checked`]: its host is looked up, the
//! [`Check`] sees the addresses, and only those are connected to, so no hop reaches an
//! address the caller refused (by name, by address, or by a name that changed its answer).
use super::{fetch_checked, url, Check, Exchange, Failure, Request, Url};
use crate::interrupt::Interrupt;
use rustls::ClientConfig;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Redirects followed at most, as blackbox (Go's client stops at the 11th).
pub const MAX_REDIRECTS: usize = 10;

/// What following gave: each exchange in order (the last one is the answer).
#[derive(Debug, Clone)]
pub struct Followed {
    pub hops: Vec<Exchange>,
    /// Redirect responses received (blackbox's `probe_http_redirects`: with following off,
    /// a redirect counts 1; past the limit, 11).
    pub redirects: usize,
}

impl Followed {
    /// The last exchange: the answer, or where it failed.
    pub fn last(&self) -> &Exchange {
        self.hops.last().expect("one hop at least")
    }
}

/// A status that redirects, with the `Location` to follow.
pub fn location(ex: &Exchange) -> Option<&str> {
    let r = ex.response.as_ref().filter(|_| ex.failure.is_none())?;
    if !matches!(r.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    r.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Makes `req`, then follows its redirects when `follow` is set. `tls` gives the client
/// configuration for a hop to `https://` when `req` has none.
pub fn fetch_following(
    req: &Request,
    follow: bool,
    tls: &dyn Fn() -> Result<Arc<ClientConfig>, String>,
    check: Check,
    interrupt: &Interrupt,
) -> Followed {
    let deadline = Instant::now() + req.timeout;
    let mut hops = vec![fetch_checked(req, check, interrupt)];
    let mut redirects = 0;
    let mut req = req.clone();
    loop {
        let last = hops.last().expect("one hop");
        let Some(loc) = location(last) else { break };
        redirects += 1;
        if !follow || redirects > MAX_REDIRECTS {
            break;
        }
        let next = match join(&req.url, loc) {
            Ok(u) => u,
            Err(why) => {
                hops.push(failed(Failure::Response(why)));
                break;
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            hops.push(failed(Failure::Timeout(
                "no time left to follow the redirect".into(),
            )));
            break;
        }
        let same_host = next.host.eq_ignore_ascii_case(&req.url.host);
        if !same_host {
            // As Go's client: credentials and a Host set by hand stay with the first host.
            req.headers.retain(|(n, _)| {
                !["authorization", "cookie", "host"].contains(&n.to_ascii_lowercase().as_str())
            });
        }
        if next.tls && req.tls.is_none() {
            match tls() {
                Ok(c) => req.tls = Some(c),
                Err(e) => {
                    hops.push(failed(Failure::Tls(e)));
                    break;
                }
            }
        }
        if !next.tls {
            req.tls = None;
        }
        req.url = next;
        req.timeout = left;
        hops.push(fetch_checked(&req, check, interrupt));
    }
    Followed { hops, redirects }
}

/// An exchange that failed before any traffic (a Location that cannot be followed).
fn failed(f: Failure) -> Exchange {
    Exchange {
        addr: None,
        attempts: Vec::new(),
        request_head: String::new(),
        response: None,
        failure: Some(f),
        timing: super::Timing {
            total: Duration::ZERO,
            ..Default::default()
        },
        tls: None,
    }
}

/// A `Location` read against the URL it came from (RFC 3986 section 5.2, the forms servers
/// send: absolute, scheme-relative `//host/p`, absolute path `/p`, relative path `p`).
pub fn join(base: &Url, loc: &str) -> Result<Url, String> {
    let loc = loc.trim();
    let scheme = if base.tls { "https" } else { "http" };
    let absolute = loc.find("://").is_some_and(|i| {
        loc[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let text = if absolute {
        loc.to_string()
    } else if let Some(rest) = loc.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else {
        let origin = format!("{scheme}://{}", base.host_header_always_port());
        if loc.starts_with('/') {
            format!("{origin}{loc}")
        } else if loc.starts_with('?') {
            let path = base.target.split('?').next().unwrap_or("/");
            format!("{origin}{path}{loc}")
        } else {
            let path = base.target.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(0)];
            let dir = if dir.is_empty() { "/" } else { dir };
            format!("{origin}{dir}{loc}")
        }
    };
    url::parse(&text).map_err(|e| {
        format!(
            "the redirect to '{}' cannot be followed: {}",
            loc.escape_debug(),
            e.why
        )
    })
}

impl Url {
    /// `host:port` with the port always written (a relative Location keeps it).
    fn host_header_always_port(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{h}:{}", self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_join_their_base() {
        let base = url::parse("http://a.test:8080/x/y?q=1").unwrap();
        let j = |l: &str| join(&base, l).map(|u| u.normal());
        assert_eq!(j("/z").unwrap(), "http://a.test:8080/z");
        assert_eq!(j("z?k").unwrap(), "http://a.test:8080/x/z?k");
        assert_eq!(j("?k").unwrap(), "http://a.test:8080/x/y?k");
        assert_eq!(j("//b.test/p").unwrap(), "http://b.test/p");
        assert_eq!(j("https://c.test/").unwrap(), "https://c.test/");
        assert_eq!(j("HTTP://[::1]:81/").unwrap(), "http://[::1]:81/");
        assert!(j("ftp://d.test/").is_err());
        assert!(j("/a b").is_err());
    }
}
