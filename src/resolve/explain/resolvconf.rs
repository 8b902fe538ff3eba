//! /etc/resolv.conf as glibc reads it (resolv/res_init.c), and the names glibc tries for one
//! name (resolv/res_query.c, `__res_context_search`). Pure functions over text.
use serde::Serialize;
use std::net::{IpAddr, SocketAddr, SocketAddrV6};

/// glibc asks at most this many nameservers (MAXNS); later lines are ignored.
pub const MAXNS: usize = 3;
/// glibc's defaults (RES_DFLRETRY, RES_TIMEOUT) and ceilings (RES_MAXNDOTS, RES_MAXRETRANS,
/// RES_MAXRETRY).
const DEFAULT_TIMEOUT: u32 = 5;
const DEFAULT_ATTEMPTS: u32 = 2;
const MAX_NDOTS: u32 = 15;
const MAX_TIMEOUT: u32 = 30;
const MAX_ATTEMPTS: u32 = 5;

/// What glibc's resolver will do, from resolv.conf (and LOCALDOMAIN, RES_OPTIONS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvConf {
    /// The servers asked, in order, as `ADDR:53` (`[V6%zone]:53`).
    #[serde(serialize_with = "ser_servers")]
    pub nameservers: Vec<SocketAddr>,
    pub search: Vec<String>,
    /// Where the search list came from: `search`, `domain`, `LOCALDOMAIN`, `hostname` or
    /// `none`.
    pub search_from: &'static str,
    pub ndots: u32,
    /// Seconds glibc waits for one server on the first round.
    pub timeout: u32,
    /// Rounds over the servers.
    pub attempts: u32,
    pub rotate: bool,
    pub edns0: bool,
    pub trust_ad: bool,
    pub single_request: bool,
    pub single_request_reopen: bool,
    pub use_vc: bool,
    pub no_tld_query: bool,
    pub no_aaaa: bool,
    /// What glibc makes of lines it ignores or limits it applies.
    pub notes: Vec<String>,
}

fn ser_servers<S: serde::Serializer>(v: &[SocketAddr], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(
        v.iter()
            .map(|a| crate::net::zone::ShownAddr(*a).to_string()),
    )
}

impl Default for ResolvConf {
    fn default() -> Self {
        ResolvConf {
            nameservers: Vec::new(),
            search: Vec::new(),
            search_from: "none",
            ndots: 1,
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            rotate: false,
            edns0: false,
            trust_ad: false,
            single_request: false,
            single_request_reopen: false,
            use_vc: false,
            no_tld_query: false,
            no_aaaa: false,
            notes: Vec::new(),
        }
    }
}

/// The environment glibc also reads.
#[derive(Debug, Clone, Default)]
pub struct Env<'a> {
    /// This host's name (gethostname): its domain part is the search list when resolv.conf
    /// has neither `search` nor `domain`.
    pub hostname: Option<&'a str>,
    /// LOCALDOMAIN: replaces the search list.
    pub localdomain: Option<&'a str>,
    /// RES_OPTIONS: options applied after resolv.conf's.
    pub res_options: Option<&'a str>,
}

/// Parses resolv.conf's text (`None`: the file is missing) as glibc does: the last `search`
/// or `domain` line wins, `options` accumulate, at most three nameservers, no nameserver
/// means 127.0.0.1.
pub fn parse(text: Option<&str>, env: &Env) -> ResolvConf {
    let mut rc = ResolvConf::default();
    let mut extra = Vec::new();
    if text.is_none() {
        rc.notes
            .push("/etc/resolv.conf is missing: glibc uses its defaults".into());
    }
    for (i, raw) in text.unwrap_or("").lines().enumerate() {
        let line = raw.split(['#', ';']).next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        let rest: Vec<&str> = words.collect();
        match key {
            "nameserver" => match rest.first().and_then(|w| server(w)) {
                Some(a) if rc.nameservers.len() < MAXNS => rc.nameservers.push(a),
                Some(a) => extra.push(server_name(a)),
                None => rc.notes.push(format!(
                    "line {}: '{}' is not an address: ignored",
                    i + 1,
                    raw.trim()
                )),
            },
            "domain" => {
                if let Some(d) = rest.first() {
                    rc.search = vec![d.trim_end_matches('.').to_string()];
                    rc.search_from = "domain";
                }
            }
            "search" => {
                // The root (`.`) stays: it means the name as it is.
                rc.search = rest
                    .iter()
                    .map(|d| match d.trim_end_matches('.') {
                        "" => ".".to_string(),
                        t => t.to_string(),
                    })
                    .collect();
                rc.search_from = "search";
            }
            "options" => {
                for o in rest {
                    option(&mut rc, o);
                }
            }
            _ => {}
        }
    }
    if !extra.is_empty() {
        rc.notes.push(format!(
            "glibc asks at most {MAXNS} nameservers: {} ignored",
            extra.join(", ")
        ));
    }
    if rc.nameservers.is_empty() {
        rc.nameservers.push(SocketAddr::from(([127, 0, 0, 1], 53)));
        rc.notes
            .push("no nameserver line: glibc asks 127.0.0.1".into());
    }
    if let Some(ld) = env.localdomain {
        rc.search = ld
            .split_whitespace()
            .map(|d| d.trim_end_matches('.').to_string())
            .collect();
        rc.search_from = "LOCALDOMAIN";
    } else if rc.search_from == "none" {
        if let Some(d) = env
            .hostname
            .and_then(|h| h.split_once('.'))
            .map(|(_, d)| d)
            .filter(|d| !d.is_empty())
        {
            rc.search = vec![d.to_string()];
            rc.search_from = "hostname";
        }
    }
    if let Some(opts) = env.res_options {
        for o in opts.split_whitespace() {
            option(&mut rc, o);
        }
    }
    rc
}

/// `10.0.0.53` for port 53, `10.0.0.53:5353` otherwise.
pub fn server_name(s: SocketAddr) -> String {
    if s.port() == 53 {
        crate::net::zone::ShownAddr(s)
            .to_string()
            .rsplit_once(':')
            .map_or_else(
                || s.ip().to_string(),
                |(a, _)| a.trim_start_matches('[').trim_end_matches(']').to_string(),
            )
    } else {
        crate::net::zone::ShownAddr(s).to_string()
    }
}

/// `nameserver` takes an address, IPv6 with an optional `%zone`; port 53 always.
fn server(word: &str) -> Option<SocketAddr> {
    let (addr, zone) = match word.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (word, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) if zone.is_none() => Some(SocketAddr::from((v4, 53))),
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => {
            let scope = match zone {
                None => 0,
                Some(z) => z.parse::<u32>().ok().or_else(|| {
                    let i = crate::net::zone::interface_index(z);
                    (i != 0).then_some(i)
                })?,
            };
            Some(SocketAddr::V6(SocketAddrV6::new(v6, 53, 0, scope)))
        }
    }
}

fn option(rc: &mut ResolvConf, o: &str) {
    let num = |prefix: &str, max: u32| -> Option<u32> {
        o.strip_prefix(prefix)
            .and_then(|v| v.parse::<u32>().ok())
            .map(|v| v.min(max))
    };
    if let Some(n) = num("ndots:", MAX_NDOTS) {
        rc.ndots = n;
    } else if let Some(n) = num("timeout:", MAX_TIMEOUT) {
        rc.timeout = n.max(1);
    } else if let Some(n) = num("attempts:", MAX_ATTEMPTS) {
        rc.attempts = n.max(1);
    } else {
        match o {
            "rotate" => rc.rotate = true,
            "edns0" => rc.edns0 = true,
            "trust-ad" => rc.trust_ad = true,
            "single-request" => rc.single_request = true,
            "single-request-reopen" => rc.single_request_reopen = true,
            "use-vc" => rc.use_vc = true,
            "no-tld-query" => rc.no_tld_query = true,
            "no-aaaa" => rc.no_aaaa = true,
            _ => {}
        }
    }
}

/// The names glibc's search asks for, in order (`__res_context_search`): a name with at
/// least `ndots` dots is tried as it is first; a name without a trailing dot then goes
/// through the search list; one not tried as it is yet is tried last (unless `no-tld-query`
/// and it has no dot). A trailing dot means only the name itself. Returned without the
/// trailing dot, each once.
pub fn candidates(name: &str, rc: &ResolvConf) -> Vec<String> {
    let trailing = name.ends_with('.');
    let bare = name.trim_end_matches('.');
    if trailing {
        return vec![bare.to_string()];
    }
    let dots = name.matches('.').count() as u32;
    let mut out: Vec<String> = Vec::new();
    let mut push = |n: String| {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&n)) {
            out.push(n);
        }
    };
    let mut tried_as_is = false;
    if dots >= rc.ndots {
        push(bare.to_string());
        tried_as_is = true;
    }
    let mut searched = false;
    let mut root_on_list = false;
    for d in &rc.search {
        searched = true;
        let d = d.trim_start_matches('.');
        if d.is_empty() {
            root_on_list = true;
            push(bare.to_string());
        } else {
            push(format!("{bare}.{d}"));
        }
    }
    let tld_refused = dots == 0 && searched && rc.no_tld_query;
    if !(tried_as_is || root_on_list || tld_refused) {
        push(bare.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(text: &str) -> ResolvConf {
        parse(Some(text), &Env::default())
    }

    #[test]
    fn a_real_world_file() {
        let r = rc("# Generated by NetworkManager\n\
                    search corp.example lab.example.\n\
                    nameserver 10.0.0.53\n\
                    nameserver 10.0.0.54 # second\n\
                    nameserver fe80::1%1\n\
                    nameserver 10.0.0.99\n\
                    options ndots:2 timeout:1\n\
                    options attempts:3 rotate edns0 trust-ad\n");
        assert_eq!(r.nameservers.len(), 3);
        assert_eq!(r.nameservers[0], "10.0.0.53:53".parse().unwrap());
        assert_eq!(r.nameservers[2].ip().to_string(), "fe80::1");
        assert_eq!(r.search, vec!["corp.example", "lab.example"]);
        assert_eq!((r.ndots, r.timeout, r.attempts), (2, 1, 3));
        assert!(r.rotate && r.edns0 && r.trust_ad && !r.use_vc);
        assert!(r.notes[0].contains("10.0.0.99 ignored"), "{:?}", r.notes);
    }

    #[test]
    fn defaults_limits_and_the_last_search_or_domain_wins() {
        let r = rc("domain a.example\nsearch b.example c.example\ndomain d.example\n");
        assert_eq!(r.search, vec!["d.example"]);
        assert_eq!(r.search_from, "domain");
        assert_eq!(r.nameservers, vec!["127.0.0.1:53".parse().unwrap()]);
        assert_eq!((r.ndots, r.timeout, r.attempts), (1, 5, 2));
        let r = rc("options ndots:40 timeout:99 attempts:9 timeout:0\n");
        assert_eq!((r.ndots, r.timeout, r.attempts), (15, 1, 5));
        let r = rc("nameserver not-an-address\n; comment\n");
        assert!(r.notes.iter().any(|n| n.contains("not an address")));
    }

    #[test]
    fn environment_and_hostname() {
        let env = Env {
            hostname: Some("box.site.example"),
            ..Env::default()
        };
        let r = parse(Some("nameserver 127.0.0.1\n"), &env);
        assert_eq!(
            (r.search_from, r.search.clone()),
            ("hostname", vec!["site.example".to_string()])
        );
        let env = Env {
            hostname: Some("box.site.example"),
            localdomain: Some("x.example y.example"),
            res_options: Some("ndots:3 use-vc"),
        };
        let r = parse(None, &env);
        assert_eq!(r.search, vec!["x.example", "y.example"]);
        assert_eq!(r.ndots, 3);
        assert!(r.use_vc);
        assert!(r.notes[0].contains("missing"));
    }

    #[test]
    fn candidates_follow_the_ndots_rule() {
        let mut r = rc("search a.test b.test\noptions ndots:2\n");
        // fewer dots than ndots: the search list first, the name itself last
        assert_eq!(candidates("db", &r), vec!["db.a.test", "db.b.test", "db"]);
        assert_eq!(
            candidates("db.x", &r),
            vec!["db.x.a.test", "db.x.b.test", "db.x"]
        );
        // enough dots: the name first
        assert_eq!(
            candidates("db.x.y", &r),
            vec!["db.x.y", "db.x.y.a.test", "db.x.y.b.test"]
        );
        // a trailing dot: the name only
        assert_eq!(candidates("db.", &r), vec!["db"]);
        assert_eq!(candidates("db.x.", &r), vec!["db.x"]);
        // no-tld-query: a dotless name is not asked on its own
        r.no_tld_query = true;
        assert_eq!(candidates("db", &r), vec!["db.a.test", "db.b.test"]);
        // the root on the search list counts as trying the name as it is
        let r = rc("search . a.test\n");
        assert_eq!(candidates("db", &r), vec!["db", "db.a.test"]);
        // no search list
        let r = rc("nameserver 127.0.0.1\n");
        assert_eq!(candidates("db", &r), vec!["db"]);
    }
}
