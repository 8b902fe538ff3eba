use super::*;
use crate::resolve::explain::dns::Answer;
use crate::resolve::explain::nsswitch::{parse_with_default, GLIBC_DEFAULT};
use crate::resolve::explain::resolvconf::{parse, Env};
use std::collections::HashMap;
use std::time::Duration;

const N: &str = "127.0.0.1:53";
const R: &str = "127.0.0.3:53";
const F: &str = "127.0.0.4:53";
const S: &str = "127.0.0.5:53";

/// What a lab server says to a name: a refusing, failing and silent one say it to every name;
/// the normal one answers from `zone` (NXDOMAIN otherwise).
fn says(server: &str, name: &str, zone: &HashMap<&str, &str>) -> Exchange {
    let (outcome, rcode, answers) = match server {
        R => (Outcome::Refused, Some("REFUSED"), vec![]),
        F => (Outcome::ServFail, Some("SERVFAIL"), vec![]),
        S => (Outcome::Timeout, None, vec![]),
        _ => match zone.get(name) {
            Some(&"nodata") => (Outcome::NoData, Some("NOERROR"), vec![]),
            Some(&"refused") => (Outcome::Refused, Some("REFUSED"), vec![]),
            Some(&"servfail") => (Outcome::ServFail, Some("SERVFAIL"), vec![]),
            Some(&"silent") => (Outcome::Timeout, None, vec![]),
            Some(a) => (
                Outcome::Answer,
                Some("NOERROR"),
                vec![Answer {
                    name: name.into(),
                    rtype: "A".into(),
                    ttl: 60,
                    data: a.to_string(),
                }],
            ),
            None => (Outcome::NxDomain, Some("NXDOMAIN"), vec![]),
        },
    };
    Exchange {
        server: server.parse().unwrap(),
        name: name.into(),
        qtype: "A".into(),
        outcome,
        rcode: rcode.map(String::from),
        answers,
        chain: vec![],
        ad: false,
        truncated: false,
        tcp: false,
        elapsed: Duration::ZERO,
        error: None,
    }
}

/// The search for `name` under this resolv.conf, against servers that say what `says` says;
/// the candidates asked, in order.
fn run(
    name: &str,
    conf: &str,
    servers: &[&str],
    zone: &[(&str, &str)],
) -> (DnsReplay, Vec<String>) {
    let rc = parse(Some(conf), &Env::default());
    let zone: HashMap<&str, &str> = zone.iter().copied().collect();
    let servers: Vec<SocketAddr> = servers.iter().map(|s| s.parse().unwrap()).collect();
    let mut asked = Vec::new();
    let r = search(name, &rc, &servers, &mut |c| {
        asked.push(c.to_string());
        servers
            .iter()
            .map(|s| says(&s.to_string(), c, &zone))
            .collect()
    });
    (r, asked)
}

#[test]
fn refused_and_silence_are_unavail_not_tryagain() {
    for s in [R, F, S] {
        let (r, _) = run("a.test", "options attempts:1\n", &[s], &[]);
        assert_eq!(r.status, Some(Status::Unavail), "{s}");
    }
    let (r, _) = run("a.test", "", &[N], &[]);
    assert_eq!(r.status, Some(Status::NotFound));
    // attempts:0: no query at all, UNAVAIL
    let (r, asked) = run(
        "a.test",
        "options attempts:0\n",
        &[N],
        &[("a.test", "192.0.2.1")],
    );
    assert_eq!(r.status, Some(Status::Unavail));
    assert_eq!(r.steps[0].result, "not-asked");
    assert_eq!(asked, vec!["a.test"], "asked of no server: the walk only");
}

#[test]
fn servfail_goes_on_down_the_search_list_refused_and_silence_end_it() {
    let zone = [
        ("b.fz.test", "servfail"),
        ("b.rz.test", "refused"),
        ("b.sz.test", "silent"),
        ("b.s3.test", "192.0.2.44"),
        ("b", "192.0.2.45"),
    ];
    // SERVFAIL: the next candidate
    let (r, asked) = run("b", "search fz.test s3.test\n", &[N], &zone);
    assert_eq!(asked, vec!["b.fz.test", "b.s3.test"]);
    assert_eq!(r.addrs, vec!["192.0.2.44".parse::<IpAddr>().unwrap()]);
    // REFUSED and silence: the search list ends, the name as it is comes next
    for z in ["rz", "sz"] {
        let (r, asked) = run("b", &format!("search {z}.test s3.test\n"), &[N], &zone);
        assert_eq!(asked, vec![format!("b.{z}.test"), "b".into()], "{z}");
        assert_eq!(
            r.addrs,
            vec!["192.0.2.45".parse::<IpAddr>().unwrap()],
            "{z}"
        );
        // the failed send left errno at ETIMEDOUT: UNAVAIL even when the name itself is
        // NXDOMAIN
        let (r, _) = run(
            "c",
            &format!("search {z}.test s3.test\n"),
            &[N],
            &[("c.rz.test", "refused"), ("c.sz.test", "silent")],
        );
        assert_eq!(r.status, Some(Status::Unavail), "{z}");
    }
    // tried as it is first (ndots reached) then the search list, past every failure
    let (r, asked) = run(
        "x.y",
        "search s1.test\n",
        &[R, N],
        &[("x.y.s1.test", "192.0.2.33")],
    );
    assert_eq!(asked, vec!["x.y", "x.y.s1.test"]);
    assert_eq!(r.addrs, vec!["192.0.2.33".parse::<IpAddr>().unwrap()]);
    assert_eq!(r.failed.len(), 2, "127.0.0.3 refused both: {:?}", r.failed);
    // every server failing a candidate: the last response read decides (REFUSED last ends it)
    let (_, asked) = run("b", "search x.test y.test\n", &[F, R], &[]);
    assert_eq!(asked, vec!["b.x.test", "b"]);
    let (_, asked) = run("b", "search x.test y.test\n", &[R, F], &[]);
    assert_eq!(asked, vec!["b.x.test", "b.y.test", "b"]);
    let (_, asked) = run("b", "search x.test y.test\n", &[F, S], &[]);
    assert_eq!(asked, vec!["b.x.test", "b.y.test", "b"]);
}

#[test]
fn ndots_as_glibc_reads_it_orders_the_candidates() {
    let zone = [("x.y.s1.test", "192.0.2.33"), ("x.y", "192.0.2.34")];
    for (opt, want) in [
        ("ndots:-1", "192.0.2.33"),
        ("ndots: 3", "192.0.2.33"),
        ("ndots:0", "192.0.2.34"),
        ("ndots:-16", "192.0.2.34"),
        ("ndots:16", "192.0.2.33"),
    ] {
        let (r, _) = run(
            "x.y",
            &format!("search s1.test\noptions {opt}\n"),
            &[N],
            &zone,
        );
        assert_eq!(r.addrs, vec![want.parse::<IpAddr>().unwrap()], "{opt}");
    }
}

fn nss(line: &str, hosts: Option<&[IpAddr]>, dns: &DnsReplay) -> Replay {
    let h = parse_with_default(Some(line), GLIBC_DEFAULT);
    walk(&Inputs {
        sources: &h.sources,
        nss_error: h.error.as_deref(),
        hosts_exists: true,
        hosts_addrs: hosts,
        dns: Some(dns),
        family: Family::Any,
        installed: &|m| m == "installed",
    })
}

#[test]
fn nsswitch_statuses_and_actions() {
    let file_addr: Vec<IpAddr> = vec!["192.0.2.99".parse().unwrap()];
    let dns_ok = DnsReplay {
        status: Some(Status::Success),
        addrs: vec!["192.0.2.1".parse().unwrap()],
        ..DnsReplay::default()
    };
    let unavail = DnsReplay {
        status: Some(Status::Unavail),
        ..DnsReplay::default()
    };
    let notfound = DnsReplay {
        status: Some(Status::NotFound),
        ..DnsReplay::default()
    };
    let f = Some(file_addr.as_slice());
    // [UNAVAIL=return]: nothing; [TRYAGAIN=return]: the hosts file
    assert_eq!(
        nss("hosts: dns [UNAVAIL=return] files\n", f, &unavail).addrs,
        Vec::<IpAddr>::new()
    );
    assert_eq!(
        nss("hosts: dns [TRYAGAIN=return] files\n", f, &unavail).addrs,
        file_addr
    );
    // [SUCCESS=continue]: the last source's answer, DNS's
    let r = nss("hosts: files [SUCCESS=continue] dns\n", f, &dns_ok);
    assert_eq!(
        (r.addrs.clone(), r.source.as_deref()),
        (dns_ok.addrs.clone(), Some("dns"))
    );
    assert_eq!(
        nss("hosts: files [SUCCESS=continue] dns\n", f, &notfound).result,
        "not-found"
    );
    assert_eq!(
        nss("hosts: files [SUCCESS=merge] dns\n", f, &dns_ok).result,
        "not-found"
    );
    // a module not installed is UNAVAIL, an installed one sockdiag cannot follow is unknown
    assert_eq!(
        nss("hosts: bogus [UNAVAIL=return] files\n", f, &dns_ok).addrs,
        Vec::<IpAddr>::new()
    );
    assert_eq!(nss("hosts: bogus files\n", f, &dns_ok).addrs, file_addr);
    assert_eq!(
        nss("hosts: installed files\n", f, &dns_ok).result,
        "unknown"
    );
    assert_eq!(nss("hosts:\n", f, &dns_ok).result, "not-found");
    assert_eq!(
        nss("hosts: dns [NOTFOUND=bogus] files\n", f, &dns_ok).result,
        "not-found"
    );
}

#[test]
fn addrconfig_narrows_to_the_family_the_host_has() {
    let only4 = Seen {
        v4: true,
        v6: false,
    };
    assert_eq!(only4.narrow(Family::Any), Family::V4);
    assert_eq!(
        Seen {
            v4: false,
            v6: true
        }
        .narrow(Family::Any),
        Family::V6
    );
    assert_eq!(Seen::default().narrow(Family::Any), Family::Any);
    assert_eq!(Seen { v4: true, v6: true }.narrow(Family::Any), Family::Any);
    assert_eq!(only4.narrow(Family::V6), Family::V6);
}
