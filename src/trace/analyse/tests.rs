//! Verdicts on made-up outcomes: the path client -> 10.0.1.1 -> 10.0.2.2 -> 10.0.3.2 ->
//! host 10.0.4.2 (hop 4), with whatever each case makes of it.
use super::*;
use crate::trace::{Answer, BlackHole, Outcome};

const HOST: &str = "10.0.4.2";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn router(n: u8) -> IpAddr {
    ip(["10.0.1.1", "10.0.2.2", "10.0.3.2", HOST][n as usize - 1])
}

fn ans(from: Option<IpAddr>, kind: AnswerKind) -> Option<Answer> {
    Some(Answer {
        from,
        rtt: Duration::from_millis(2),
        kind,
    })
}

fn te(n: u8) -> Option<Answer> {
    ans(
        Some(router(n)),
        AnswerKind::TimeExceeded { kind: 11, code: 0 },
    )
}

fn host(state: State, reason: Reason) -> Option<Answer> {
    ans(Some(ip(HOST)), AnswerKind::Host { state, reason })
}

fn icmp(from: IpAddr, kind: u8, code: u8, state: State, reason: Reason) -> Option<Answer> {
    ans(
        Some(from),
        AnswerKind::Icmp {
            kind,
            code,
            info: 0,
            state,
            reason,
        },
    )
}

/// Three main probes and one distance probe per TTL 1..=6, each answered by `main(ttl)` and
/// `dist(ttl)`.
fn gathered(main: impl Fn(u8) -> Option<Answer>, dist: impl Fn(u8) -> Option<Answer>) -> Gathered {
    let mut outcomes = Vec::new();
    for ttl in 1..=6 {
        for _ in 0..3 {
            outcomes.push(Outcome {
                ttl,
                series: Series::Main,
                answer: main(ttl),
                decided: true,
            });
        }
        outcomes.push(Outcome {
            ttl,
            series: Series::Distance(Via::Udp),
            answer: dist(ttl),
            decided: true,
        });
    }
    Gathered {
        outcomes,
        via: Some(Via::Udp),
        ..Gathered::default()
    }
}

fn cfg() -> Config {
    Config {
        max_hops: 6,
        ..Config::default()
    }
}

/// The distance series of a path that reaches the host at hop 4 (UDP, port unreachable).
fn dist4(ttl: u8) -> Option<Answer> {
    if ttl < 4 {
        te(ttl)
    } else {
        icmp(ip(HOST), 3, 3, State::Closed, Reason::PortUnreach)
    }
}

fn traced(g: &Gathered) -> Trace {
    analyse(g, &cfg(), ip(HOST))
}

#[test]
fn reached_open_stops_at_the_host() {
    let t = traced(&gathered(
        |ttl| {
            if ttl < 4 {
                te(ttl)
            } else {
                host(State::Open, Reason::SynAck)
            }
        },
        dist4,
    ));
    assert_eq!(t.hops.len(), 4);
    assert!(t.open() && t.reached);
    assert_eq!(t.verdict.kind, VerdictKind::Reached);
    assert_eq!(t.verdict.text, "reached: open at hop 4 (10.0.4.2)");
    assert_eq!(t.hops[0].icmp, Some((11, 0)));
    assert_eq!(t.hops[3].state, Some(State::Open));
    assert_eq!(t.hops[3].responders[0].count, 3);
    assert_eq!(t.hops[3].lost, 0);
}

#[test]
fn a_reset_at_the_hosts_distance_is_the_host() {
    let t = traced(&gathered(
        |ttl| {
            if ttl < 4 {
                te(ttl)
            } else {
                host(State::Closed, Reason::ConnRefused)
            }
        },
        dist4,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::Reached);
    assert_eq!(
        t.verdict.text,
        "reached: closed (conn-refused) at hop 4 (10.0.4.2)"
    );
    assert!(t.reached && !t.open());
    assert_eq!(t.distance, Some((4, Via::Udp)));
}

#[test]
fn a_reset_before_the_hosts_distance_is_a_middlebox() {
    // r2 resets what it forwards: TTL 3 and up.
    let t = traced(&gathered(
        |ttl| {
            if ttl < 3 {
                te(ttl)
            } else {
                host(State::Closed, Reason::ConnRefused)
            }
        },
        dist4,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::MiddleboxReset);
    assert_eq!(t.verdict.hop, Some(2));
    assert_eq!(t.verdict.addr, Some(router(2)));
    assert!(t
        .verdict
        .text
        .starts_with("reset by a middlebox at hop 2 (10.0.2.2), 2 hops before the host"));
}

#[test]
fn silence_after_a_hop_says_whether_the_path_goes_on() {
    let main = |ttl| if ttl < 4 { te(ttl) } else { None };
    // The host answers UDP at hop 4: only the SYNs die.
    let t = traced(&gathered(main, dist4));
    assert_eq!(t.verdict.kind, VerdictKind::SilentAfter);
    assert_eq!((t.verdict.hop, t.verdict.addr), (Some(3), Some(router(3))));
    assert_eq!(t.hops.len(), 4, "the first silent hop is shown");
    assert_eq!(t.hops[3].lost, 3);
    assert!(t.verdict.text.starts_with(
        "silent after hop 3 (10.0.3.2): probes with TTL >= 4 got no answer; the host answers UDP at hop 4, so the path goes on"
    ), "{}", t.verdict.text);
    // Nothing answers past hop 3, whatever the packet: the path goes quiet.
    let t = traced(&gathered(main, |ttl| if ttl < 4 { te(ttl) } else { None }));
    assert!(
        t.verdict.text.contains("other probes stop there too"),
        "{}",
        t.verdict.text
    );
    // Routers go on answering other probes, the host does not.
    let t = traced(&gathered(
        main,
        |ttl| if ttl < 6 { te(ttl.min(3)) } else { None },
    ));
    assert!(
        t.verdict
            .text
            .contains("routers answer other probes up to hop 5"),
        "{}",
        t.verdict.text
    );
    // Nothing at all.
    let t = traced(&gathered(|_| None, |_| None));
    assert_eq!(t.verdict.hop, None);
    assert!(t.verdict.text.starts_with("silent from hop 1"));
    assert_eq!(t.hops.len(), 1);
}

#[test]
fn a_silent_router_leaves_later_hops() {
    let t = traced(&gathered(
        |ttl| match ttl {
            2 => None,
            t if t < 4 => te(t),
            _ => host(State::Open, Reason::SynAck),
        },
        dist4,
    ));
    assert_eq!(t.hops.len(), 4);
    assert!(t.hops[1].responders.is_empty());
    assert_eq!(t.hops[1].rtt, None);
    assert_eq!(t.verdict.kind, VerdictKind::Reached);
}

#[test]
fn rejects_and_no_routes_name_the_router_by_its_hop() {
    // r2 answers TTL 2 itself and rejects what it forwards (TTL 3 and up).
    let t = traced(&gathered(
        |ttl| {
            if ttl < 3 {
                te(ttl)
            } else {
                icmp(router(2), 3, 13, State::Filtered, Reason::AdminProhibited)
            }
        },
        dist4,
    ));
    assert_eq!(t.hops.len(), 3);
    assert_eq!(t.verdict.kind, VerdictKind::Rejected);
    assert_eq!(t.verdict.hop, Some(2));
    assert_eq!(
        t.verdict.text,
        "rejected at hop 2 (10.0.2.2): ICMP admin-prohibited (type 3 code 13)"
    );
    assert!(!t.reached);
    // r1 has no route: it answers TTL 1 already (routing comes before the TTL check).
    let t = traced(&gathered(
        |_| icmp(router(1), 3, 0, State::Unreachable, Reason::NetUnreach),
        |_| None,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::NoRoute);
    assert_eq!(
        t.verdict.text,
        "no route: ICMP net-unreachable (type 3 code 0) from hop 1 (10.0.1.1)"
    );
    // No route on this host.
    let t = traced(&gathered(
        |_| {
            ans(
                None,
                AnswerKind::Local {
                    errno: libc::ENETUNREACH,
                    info: 0,
                    state: State::Unreachable,
                    reason: Reason::NetUnreach,
                },
            )
        },
        |_| None,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::NoRoute);
    assert_eq!(t.verdict.hop, None);
    assert!(t.verdict.text.contains("ENETUNREACH"));
    // The host itself rejects.
    let t = traced(&gathered(
        |ttl| {
            if ttl < 4 {
                te(ttl)
            } else {
                icmp(ip(HOST), 3, 13, State::Filtered, Reason::AdminProhibited)
            }
        },
        dist4,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::Rejected);
    assert!(t.verdict.text.contains("by the host itself"));
    assert!(t.reached);
}

#[test]
fn load_balanced_hops_count_each_router() {
    let mut g = gathered(
        |ttl| {
            if ttl < 4 {
                te(ttl)
            } else {
                host(State::Open, Reason::SynAck)
            }
        },
        dist4,
    );
    // One of hop 2's three answers came from another router.
    let other = ans(
        Some(ip("10.0.5.2")),
        AnswerKind::TimeExceeded { kind: 11, code: 0 },
    );
    let i = g.outcomes.iter().position(|o| o.ttl == 2).unwrap();
    g.outcomes[i].answer = other;
    let t = traced(&g);
    let r: Vec<(IpAddr, u32)> = t.hops[1]
        .responders
        .iter()
        .map(|r| (r.addr, r.count))
        .collect();
    assert_eq!(r, [(router(2), 2), (ip("10.0.5.2"), 1)]);
}

#[test]
fn interrupted_shows_finished_hops_only() {
    let mut g = gathered(|ttl| if ttl < 4 { te(ttl) } else { None }, |_| None);
    for o in g.outcomes.iter_mut().filter(|o| o.ttl >= 3) {
        o.answer = None;
        o.decided = false;
    }
    g.interrupted = true;
    let t = traced(&g);
    assert_eq!(t.hops.len(), 2);
    assert!(t.interrupted);
}

#[test]
fn a_black_hole_is_the_verdict_and_pmtu_drops_land_on_their_hop() {
    let mut g = gathered(
        |ttl| {
            if ttl < 4 {
                te(ttl)
            } else {
                host(State::Open, Reason::SynAck)
            }
        },
        dist4,
    );
    g.pmtu = Some(PmtuRun {
        local: Some(1500),
        drops: vec![(router(2), 1400)],
        mtu: Some(1280),
        ttl: 4,
        black_hole: Some(BlackHole {
            vanish: 1400,
            pass: Some(1280),
            after_hop: Some(2),
        }),
    });
    let t = traced(&g);
    assert_eq!(t.hops[1].mtu, Some(1400));
    assert_eq!(t.verdict.kind, VerdictKind::MtuBlackHole);
    assert_eq!(t.verdict.hop, Some(2));
    assert!(t.verdict.text.starts_with(
        "path MTU black hole after hop 2 (10.0.2.2): 1400-byte packets vanish, 1280 pass"
    ));
    assert!(t
        .verdict
        .text
        .ends_with("reached: open at hop 4 (10.0.4.2)"));
    assert!(t.open());
}

/// Issue 27: a SYN-ACK in the host's name from hop 2, while the host answers UDP at hop 4.
#[test]
fn a_syn_ack_from_nearer_than_the_host_is_intercepted() {
    let t = traced(&gathered(
        |ttl| {
            if ttl < 2 {
                te(ttl)
            } else {
                host(State::Open, Reason::SynAck)
            }
        },
        dist4,
    ));
    assert_eq!(t.verdict.kind, VerdictKind::Intercepted);
    assert_eq!(t.verdict.hop, Some(2));
    assert_eq!(t.verdict.addr, Some(router(2)));
    assert!(
        t.verdict
            .text
            .starts_with("intercepted at hop 2 (10.0.2.2), 2 hops before the host: a SYN-ACK"),
        "{}",
        t.verdict.text
    );
    assert!(!t.reached && !t.open());
    assert_eq!(t.state, None);
}

/// Issue 27: the last TTL asked for is a router: "not reached within N hops".
#[test]
fn max_hops_short_of_the_host_is_not_reached_within_them() {
    let g = gathered(te_or_host, |_| None);
    let c = Config {
        max_hops: 3,
        ..cfg()
    };
    let mut g3 = g.clone();
    g3.outcomes.retain(|o| o.ttl <= 3);
    let t = analyse(&g3, &c, ip(HOST));
    assert_eq!(t.verdict.kind, VerdictKind::NotReached);
    assert_eq!(t.verdict.hop, Some(3));
    assert_eq!(
        t.verdict.text,
        "not reached within 3 hops: hop 3 (10.0.3.2) is still a router on the way (raise --max-hops)"
    );
}

fn te_or_host(ttl: u8) -> Option<Answer> {
    if ttl < 4 {
        te(ttl)
    } else {
        host(State::Open, Reason::SynAck)
    }
}

/// Issue 27: --first-hop 6 on a 4-hop path: the verdict names the path's hop.
#[test]
fn a_count_started_past_the_host_names_its_hop_by_distance() {
    let mut g = gathered(te_or_host, dist4);
    g.outcomes
        .retain(|o| o.series != Series::Main || o.ttl >= 6);
    let c = Config {
        first_hop: 6,
        ..cfg()
    };
    let t = analyse(&g, &c, ip(HOST));
    assert_eq!(t.verdict.kind, VerdictKind::Reached);
    assert_eq!(t.verdict.hop, Some(4));
    assert_eq!(
        t.verdict.text,
        "reached: open at hop 4 (10.0.4.2); the count started at TTL 6, past the host (at hop 4 by UDP)"
    );
    // Without a distance, the note says the host may be nearer.
    let mut g = g.clone();
    g.outcomes.retain(|o| o.series == Series::Main);
    let t = analyse(&g, &c, ip(HOST));
    assert_eq!(t.verdict.hop, Some(6));
    assert!(t
        .verdict
        .text
        .ends_with("the count started at TTL 6: the host may be nearer"));
}

/// Issue 27: every TTL silent past r1 (its rejects rate-limited), but the plain connect got
/// r1's admin-prohibited: rejected at hop 1, not silent.
#[test]
fn a_plain_connects_reject_is_placed_at_its_routers_hop() {
    let mut g = gathered(|ttl| if ttl == 1 { te(1) } else { None }, dist4);
    g.outcomes.push(Outcome {
        ttl: 0,
        series: Series::Plain,
        answer: icmp(router(1), 3, 13, State::Filtered, Reason::AdminProhibited),
        decided: true,
    });
    let t = traced(&g);
    assert_eq!(t.verdict.kind, VerdictKind::Rejected);
    assert_eq!(t.verdict.hop, Some(1));
    assert!(
        t.verdict
            .text
            .starts_with("rejected at hop 1 (10.0.1.1): ICMP admin-prohibited (type 3 code 13)"),
        "{}",
        t.verdict.text
    );
    // A router's hop comes from the distance series too: r2's time-exceeded only there.
    let mut g = gathered(
        |ttl| match ttl {
            1 => te(1),
            2 => None,
            _ => icmp(router(2), 3, 13, State::Filtered, Reason::AdminProhibited),
        },
        dist4,
    );
    g.outcomes
        .retain(|o| o.series != Series::Main || o.ttl <= 3);
    let t = traced(&g);
    assert_eq!(t.verdict.hop, Some(2), "{}", t.verdict.text);
}

/// Issue 27: r2's time-exceeded lost at hop 2 (rate-limited), hops 3 and 4 silent, and its
/// reject answering the TTL-5 probe late: the router is still named at its hop, 2, by the
/// time-exceeded the distance series drew from it, not at the TTL of the late answer.
#[test]
fn a_late_reject_names_the_routers_own_hop() {
    let g = gathered(
        |ttl| match ttl {
            1 => te(1),
            2..=4 => None,
            _ => icmp(router(2), 3, 13, State::Filtered, Reason::AdminProhibited),
        },
        |ttl| if ttl < 4 { te(ttl) } else { None },
    );
    let t = traced(&g);
    assert_eq!(t.verdict.kind, VerdictKind::Rejected);
    assert_eq!(t.verdict.hop, Some(2), "{}", t.verdict.text);
    assert!(t.verdict.text.starts_with("rejected at hop 2 (10.0.2.2)"));
}
