use super::*;

#[test]
fn ports_and_hosts() {
    assert_eq!(parse_port("8080", false).unwrap(), 8080);
    assert!(parse_port("80,443", false).is_err());
    assert!(parse_port("0", false).is_err());
    assert!(resolve_host("127.0.0.0/30", Family::Any).is_err());
    assert_eq!(
        resolve_host("[::1]", Family::Any).unwrap().unwrap(),
        vec!["[::1]:0".parse::<std::net::SocketAddr>().unwrap()]
    );
    assert!(resolve_host("::1", Family::V4).unwrap().is_err());
}
use proptest::prelude::*;

fn addrs(list: &str) -> Vec<String> {
    parse_targets(list)
        .unwrap()
        .into_iter()
        .flat_map(|s| match s {
            TargetSpec::Addrs(a) => a.into_iter().map(|a| a.to_string()).collect(),
            TargetSpec::Name(n) => vec![format!("name:{n}")],
            TargetSpec::Zoned(a, z) => vec![format!("{a}%{}#{}", z.text, z.index)],
        })
        .collect()
}

#[test]
fn zoned_targets() {
    // `lo` is interface 1 on Linux.
    let table: &[(&str, &[&str])] = &[
        ("fe80::1%lo", &["fe80::1%lo#1"]),
        ("[fe80::1%lo]", &["fe80::1%lo#1"]),
        ("fe80::1%1", &["fe80::1%1#1"]),
        ("[fe80::2%1]", &["fe80::2%1#1"]),
        ("FE80::a:b%lo", &["fe80::a:b%lo#1"]),
        ("febf::1%lo", &["febf::1%lo#1"]),
        ("fe80::1%lo,127.0.0.1", &["fe80::1%lo#1", "127.0.0.1"]),
        ("fe80::1", &["fe80::1"]),
    ];
    for (list, want) in table {
        assert_eq!(addrs(list), *want, "{list}");
    }
    let specs = parse_targets("fe80::1%lo,fe80::1%lo,fe80::1%1,fe80::1").unwrap();
    let (t, _) = resolve_targets(&specs, Family::Any, false);
    let got: Vec<(String, String, bool)> = t
        .iter()
        .map(|t| (t.name.clone(), t.shown().to_string(), t.needs_zone()))
        .collect();
    assert_eq!(
        got,
        [
            ("fe80::1%lo".into(), "fe80::1%lo".into(), false),
            ("fe80::1%1".into(), "fe80::1%1".into(), false),
            ("fe80::1".into(), "fe80::1".into(), true),
        ]
    );
    match t[0].sockaddr() {
        SocketAddr::V6(a) => assert_eq!((a.scope_id(), a.port()), (1, 0)),
        a => panic!("{a}"),
    }
    let (t, _) = resolve_targets(&specs, Family::V4, false);
    assert!(t.is_empty());
    assert_eq!(
        serde_json::to_string(&t_shown("fe80::1%lo")).unwrap(),
        "\"fe80::1%lo\""
    );
    assert_eq!(serde_json::to_string(&t_shown("::1")).unwrap(), "\"::1\"");
    let lo = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 22, 0, 1));
    assert_eq!(ShownAddr(lo).to_string(), "[fe80::1%lo]:22");
    let plain: SocketAddr = "127.0.0.1:22".parse().unwrap();
    assert_eq!(ShownAddr(plain).to_string(), "127.0.0.1:22");
}

fn t_shown(s: &str) -> ZonedIp {
    let (t, _) = resolve_targets(&parse_targets(s).unwrap(), Family::Any, false);
    t[0].shown()
}

#[test]
fn invalid_zones_say_why() {
    let table: &[(&str, &str, &str)] = &[
        (
            "fe80::1%nosuchif0",
            "fe80::1%nosuchif0",
            "no network interface 'nosuchif0'",
        ),
        (
            "[fe80::1%nosuchif0]",
            "[fe80::1%nosuchif0]",
            "no network interface 'nosuchif0'",
        ),
        (
            "fe80::1%0",
            "fe80::1%0",
            "no network interface with index 0",
        ),
        (
            "fe80::1%4294967295",
            "fe80::1%4294967295",
            "with index 4294967295",
        ),
        ("fe80::1%99999999999", "fe80::1%99999999999", "with index"),
        (
            "fe80::1%",
            "fe80::1%",
            "interface name or index goes after '%'",
        ),
        (
            "192.0.2.1%lo",
            "192.0.2.1%lo",
            "IPv4 address takes none: write 192.0.2.1",
        ),
        ("[192.0.2.1%lo]", "[192.0.2.1%lo]", "IPv4"),
        (
            "2001:db8::1%lo",
            "2001:db8::1%lo",
            "link-local addresses (fe80::/10) only",
        ),
        ("::1%lo", "::1%lo", "fe80::/10"),
        ("ff02::1%lo", "ff02::1%lo", "fe80::/10"),
        ("host%lo", "host%lo", "follows an IPv6 link-local address"),
        ("%lo", "%lo", "follows an IPv6"),
        ("fe80::1%lo/64", "fe80::1%lo/64", "not with a CIDR block"),
        ("[fe80::1%lo]:22", "[fe80::1%lo]:22", "a port goes in PORTS"),
        ("[fe80::1%lo", "[fe80::1%lo", "closing"),
        (
            "fe80::1%lo%lo",
            "fe80::1%lo%lo",
            "no network interface 'lo%lo'",
        ),
    ];
    for (list, quoted, why) in table {
        match parse_targets(list) {
            Err(e) => {
                assert!(e.why.contains(why), "{list}: {e}");
                assert_eq!(e.input, *quoted, "{list}");
            }
            Ok(v) => panic!("{list}: accepted as {v:?}"),
        }
    }
}

#[test]
fn valid_targets() {
    let table: &[(&str, &[&str])] = &[
        ("127.0.0.1", &["127.0.0.1"]),
        ("::1", &["::1"]),
        ("[::1]", &["::1"]),
        ("[2001:db8::5]", &["2001:db8::5"]),
        ("localhost", &["name:localhost"]),
        ("db1,db2", &["name:db1", "name:db2"]),
        ("db1.example.test.", &["name:db1.example.test."]),
        ("127.1", &["name:127.1"]),
        (
            "192.0.2.0/30",
            &["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"],
        ),
        ("192.0.2.7/32", &["192.0.2.7"]),
        ("192.0.2.5/31", &["192.0.2.4", "192.0.2.5"]),
        ("2001:db8::/127", &["2001:db8::", "2001:db8::1"]),
        ("[2001:db8::]/128", &["2001:db8::"]),
        ("192.0.2.1-3", &["192.0.2.1", "192.0.2.2", "192.0.2.3"]),
        ("192.0.2.255-192.0.3.0", &["192.0.2.255", "192.0.3.0"]),
        ("192.0.2.9-9", &["192.0.2.9"]),
        (
            "a.test,192.0.2.1,[::1]",
            &["name:a.test", "192.0.2.1", "::1"],
        ),
        (" 192.0.2.1 , ::1", &["192.0.2.1", "::1"]),
        ("192.0.2.1,", &["192.0.2.1"]),
        ("10.0.0.1-3", &["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        ("[::ffff:192.0.2.1]", &["::ffff:192.0.2.1"]),
        ("192.0.2.1/32,[::1]/128", &["192.0.2.1", "::1"]),
        ("1.2.3", &["name:1.2.3"]),
    ];
    for (list, want) in table {
        assert_eq!(addrs(list), *want, "{list}");
    }
    assert_eq!(addrs("10.0.0.0/16").len(), 65536);
}

#[test]
fn invalid_targets_quote_the_bad_part() {
    let table: &[(&str, &str, &str)] = &[
        ("", "", "empty"),
        (",", ",", "empty"),
        ("[::1", "[::1", "closing"),
        ("[127.0.0.1]", "[127.0.0.1]", "IPv6"),
        ("192.0.2.0/33", "192.0.2.0/33", "0-32"),
        ("::/129", "::/129", "0-128"),
        ("192.0.2.0/x", "192.0.2.0/x", "prefix"),
        ("192.0.2.0/-1", "192.0.2.0/-1", "prefix"),
        ("nohost/24", "nohost/24", "needs an address"),
        ("10.0.0.0/8", "10.0.0.0/8", "more than 65536"),
        ("::/0", "::/0", "more than 65536"),
        ("2001:db8::/64", "2001:db8::/64", "more than 65536"),
        ("192.0.2.9-1", "192.0.2.9-1", "reversed"),
        ("192.0.2.1-256", "192.0.2.1-256", "0-255"),
        ("192.0.2.1-x", "192.0.2.1-x", "a range is"),
        ("10.0.0.0-10.2.0.0", "10.0.0.0-10.2.0.0", "more than 65536"),
        ("host:80", "host:80", "PORTS"),
        ("300.1.1.1", "300.1.1.1", "0-255"),
        ("a..b", "a..b", "empty label"),
        ("[::1]:80", "[::1]:80", "a port goes in PORTS"),
        (
            "192.0.2.1:80",
            "192.0.2.1:80",
            "PORTS, not after the host: write 192.0.2.1 80",
        ),
        ("::1-5", "::1-5", "PORTS"),
        ("192.0.2.1-192.0.2.0", "192.0.2.1-192.0.2.0", "reversed"),
        ("192.0.2.1-20-30", "192.0.2.1-20-30", "a range is"),
        ("192.0.2.0/24/1", "192.0.2.0/24/1", "prefix"),
    ];
    for (list, quoted, why) in table {
        match parse_targets(list) {
            Err(e) => {
                assert!(e.why.contains(why), "{list}: {e}");
                assert_eq!(e.input, *quoted, "{list}");
            }
            Ok(v) => panic!("{list}: accepted as {v:?}"),
        }
    }
}

#[test]
fn resolution_keeps_order_family_and_dedups() {
    let specs = parse_targets("127.0.0.1,::1,127.0.0.1,192.0.2.1-2").unwrap();
    let (t, failed) = resolve_targets(&specs, Family::Any, false);
    assert!(failed.is_empty());
    let got: Vec<String> = t.iter().map(|t| t.addr.to_string()).collect();
    assert_eq!(got, ["127.0.0.1", "::1", "192.0.2.1", "192.0.2.2"]);
    let (t, _) = resolve_targets(&specs, Family::V6, false);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].name, "::1");
}

proptest! {
    #[test]
    fn no_target_string_panics(s in "\\PC{0,40}", t in "[0-9./:\\[\\]a-f,-]{0,40}") {
        let _ = parse_targets(&s);
        let _ = parse_targets(&t);
    }
}

#[test]
fn host_port_forms() {
    assert_eq!(
        split_host_port("localhost:22").unwrap(),
        ("localhost".into(), "22".into())
    );
    assert_eq!(
        split_host_port("[::1]:8080").unwrap(),
        ("::1".into(), "8080".into())
    );
    for bad in ["localhost", "::1:80", ":80", "[::1]80"] {
        assert_eq!(split_host_port(bad).unwrap_err().input, bad);
    }
}

#[test]
fn a_url_is_answered_with_its_host_and_port() {
    for (url, says) in [
        ("http://127.0.0.1", "127.0.0.1 80"),
        ("https://[::1]:8443/x?y", "::1 8443"),
        ("https://user@db.example.test/", "db.example.test 443"),
        ("ftp://files.example.test", "host alone: files.example.test"),
    ] {
        let e = parse_targets(url).unwrap_err();
        assert_eq!(e.input, url);
        assert!(
            e.why.contains("a URL") && e.why.contains(says),
            "{url}: {e}"
        );
    }
}

#[test]
fn source_forms() {
    assert_eq!(source_form("192.0.2.1").unwrap().to_string(), "192.0.2.1:0");
    assert_eq!(source_form("192.0.2.1:4000").unwrap().port(), 4000);
    assert_eq!(parse_source("[::1]:5").unwrap().to_string(), "[::1]:5");
    assert_eq!(parse_source("[::1]").unwrap().to_string(), "[::1]:0");
    assert_eq!(parse_source("::1").unwrap().to_string(), "[::1]:0");
    assert_eq!(parse_source("host").unwrap_err().input, "host");
    assert!(parse_source("127.0.0.1").is_ok());
    assert!(parse_source("::2")
        .unwrap_err()
        .why
        .contains("not an address of this host"));
    assert!(parse_source("[::1]:70000").is_err());
    assert!(source_form("192.0.2.1:").is_err());
}

proptest::proptest! {
    #[test]
    fn no_source_string_panics(s in "\\PC{0,30}", t in "[0-9.:\\[\\]a-f]{0,30}") {
        let _ = parse_source(&s);
        let _ = parse_source(&t);
    }
}
