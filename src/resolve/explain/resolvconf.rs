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
    /// Rounds over the servers; 0 (`attempts:0` or less): glibc sends no query at all.
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

/// Parses resolv.conf's text (`None`: the file is missing) as glibc's `res_vinit` does: a
/// comment is a line that starts with `#` or `;`; a keyword counts only when a space or a tab
/// follows it; the last `search` or `domain` line wins; `options` accumulate; at most three
/// nameservers; no nameserver means 127.0.0.1.
pub fn parse(text: Option<&str>, env: &Env) -> ResolvConf {
    let mut rc = ResolvConf::default();
    let mut extra = Vec::new();
    if text.is_none() {
        rc.notes
            .push("/etc/resolv.conf is missing: glibc uses its defaults".into());
    }
    for (i, raw) in text.unwrap_or("").lines().enumerate() {
        if raw.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, rest)) = raw
            .find([' ', '\t'])
            .map(|at| (&raw[..at], raw[at..].trim_start_matches([' ', '\t'])))
        else {
            continue;
        };
        match key {
            "nameserver" => {
                let word = rest.split([' ', '\t']).next().unwrap_or("");
                match server(word) {
                    Some(a) if rc.nameservers.len() < MAXNS => rc.nameservers.push(a),
                    Some(a) => extra.push(server_name(a)),
                    None => rc.notes.push(format!(
                        "line {}: '{}' is not an address: ignored",
                        i + 1,
                        raw.trim()
                    )),
                }
            }
            "domain" if env.localdomain.is_none() => {
                if let Some(d) = rest.split([' ', '\t']).next().filter(|d| !d.is_empty()) {
                    rc.search = vec![d.trim_end_matches('.').to_string()];
                    rc.search_from = "domain";
                }
            }
            "search" if env.localdomain.is_none() => {
                let words: Vec<&str> = rest.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
                if words.is_empty() {
                    continue;
                }
                // The root (`.`) stays: it means the name as it is.
                rc.search = words
                    .iter()
                    .map(|d| match d.trim_end_matches('.') {
                        "" => ".".to_string(),
                        t => t.to_string(),
                    })
                    .collect();
                rc.search_from = "search";
            }
            "options" => options(&mut rc, rest),
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
        options(&mut rc, opts);
    }
    if rc.attempts == 0 {
        rc.notes.push(
            "attempts:0 (or less): glibc sends no query at all, every lookup through dns fails"
                .into(),
        );
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
    if let Some(v4) = inet_aton(word) {
        return Some(SocketAddr::from((v4, 53)));
    }
    match addr.parse::<IpAddr>().ok()? {
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

/// An IPv4 address as glibc's `inet_aton_exact` reads it: `127.1`, `0x7f.0.0.1` too.
fn inet_aton(word: &str) -> Option<std::net::Ipv4Addr> {
    if word.is_empty() || word.contains(':') {
        return None;
    }
    match crate::resolve::numeric_host(word, crate::resolve::Family::V4)?.first()? {
        IpAddr::V4(v4) => Some(*v4),
        IpAddr::V6(_) => None,
    }
}

/// C's `atoi` (strtol's reading, then the cast to int): leading white space, a sign, digits;
/// anything else ends the number; too large saturates to LONG_MAX, which the cast makes -1.
fn atoi(s: &str) -> i32 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    let v = if neg { v.saturating_neg() } else { v };
    v as i32
}

/// One `options` line (or RES_OPTIONS) as glibc's `res_setoptions` reads it: each option
/// where a run of blanks ends, a number read by `atoi` from the rest of the line (so
/// `ndots: 3` is 3), an option matched by its prefix.
fn options(rc: &mut ResolvConf, line: &str) {
    let mut cp = line;
    loop {
        cp = cp.trim_start_matches([' ', '\t']);
        if cp.is_empty() {
            break;
        }
        if let Some(v) = cp.strip_prefix("ndots:") {
            let i = atoi(v);
            // res_state keeps ndots in 4 bits: ndots:-1 is 15.
            rc.ndots = if i <= MAX_NDOTS as i32 {
                (i as u32) & 15
            } else {
                MAX_NDOTS
            };
            if i < 0 {
                rc.notes.push(format!(
                    "ndots:{i} is ndots:{} to glibc (it keeps ndots in 4 bits)",
                    rc.ndots
                ));
            }
        } else if let Some(v) = cp.strip_prefix("timeout:") {
            // A timeout of 0 or less waits 1 s (send_dg).
            rc.timeout = (atoi(v).min(MAX_TIMEOUT as i32)).max(1) as u32;
        } else if let Some(v) = cp.strip_prefix("attempts:") {
            rc.attempts = (atoi(v).min(MAX_ATTEMPTS as i32)).max(0) as u32;
        } else {
            const FLAGS: &[&str] = &[
                "rotate",
                "edns0",
                "single-request-reopen",
                "single-request",
                "no_tld_query",
                "no-tld-query",
                "use-vc",
                "trust-ad",
                "no-aaaa",
            ];
            match FLAGS.iter().find(|f| cp.starts_with(**f)).copied() {
                Some("rotate") => rc.rotate = true,
                Some("edns0") => rc.edns0 = true,
                Some("single-request-reopen") => rc.single_request_reopen = true,
                Some("single-request") => rc.single_request = true,
                Some("no_tld_query" | "no-tld-query") => rc.no_tld_query = true,
                Some("use-vc") => rc.use_vc = true,
                Some("trust-ad") => rc.trust_ad = true,
                Some("no-aaaa") => rc.no_aaaa = true,
                _ => {}
            }
        }
        cp = cp.trim_start_matches(|c: char| c != ' ' && c != '\t');
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
    fn numbers_are_read_as_glibc_reads_them_atoi_and_bounds() {
        let opt = |o: &str| rc(&format!("options {o}\n"));
        // ndots lives in 4 bits of res_state: negatives wrap, the rest is capped at 15
        assert_eq!(opt("ndots:-1").ndots, 15);
        assert!(opt("ndots:-1").notes.iter().any(|n| n.contains("ndots:15")));
        assert_eq!(opt("ndots:-16").ndots, 0);
        assert_eq!(opt("ndots:-15").ndots, 1);
        assert_eq!(opt("ndots:16").ndots, 15);
        assert_eq!(opt("ndots:99999999999999999999").ndots, 15);
        // atoi skips the blanks after the colon: `ndots: 3` is 3
        assert_eq!(opt("ndots: 3").ndots, 3);
        assert_eq!(opt("ndots:2x").ndots, 2);
        assert_eq!(opt("ndots:x").ndots, 0);
        // attempts:0 or less: no query at all
        assert_eq!(opt("attempts:0").attempts, 0);
        assert!(opt("attempts:0")
            .notes
            .iter()
            .any(|n| n.contains("no query")));
        assert_eq!(opt("attempts:-1").attempts, 0);
        assert_eq!(opt("attempts: 3").attempts, 3);
        // a timeout of 0 or less waits 1 s
        assert_eq!(opt("timeout:0").timeout, 1);
        assert_eq!(opt("timeout:-4").timeout, 1);
        assert_eq!(opt("timeout: 2").timeout, 2);
        // flags by prefix, as strncmp matches them
        assert!(opt("rotatex").rotate && opt("no_tld_query").no_tld_query);
        assert!(opt("single-request-reopen").single_request_reopen);
        assert!(!opt("single-request-reopen").single_request);
    }

    #[test]
    fn keywords_and_comments_as_glibc_reads_them() {
        // a comment only at the start of a line; a keyword needs a blank after it
        let r = rc(
            "#nameserver 127.0.0.9\nnameservers 127.0.0.8\nnameserver\t127.0.0.2\n\
                    nameserver 127.1 ; inline\n",
        );
        assert_eq!(
            r.nameservers,
            vec![
                "127.0.0.2:53".parse().unwrap(),
                "127.0.0.1:53".parse().unwrap()
            ]
        );
        // an empty search line leaves the last one
        let r = rc("search a.test\nsearch   \n");
        assert_eq!(r.search, vec!["a.test"]);
        // LOCALDOMAIN: search and domain lines do not count
        let env = Env {
            localdomain: Some("l.test"),
            ..Env::default()
        };
        let r = parse(Some("search a.test\noptions ndots:2\n"), &env);
        assert_eq!((r.search.clone(), r.ndots), (vec!["l.test".to_string()], 2));
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
