//! The default ports of `probe` when none are given: the most commonly open TCP ports (1,000)
//! and a shorter UDP list, most frequent first; `--top N` takes the first N.
//!
//! Source. The TCP head (`TCP_HEAD`, 284 ports) is ordered by how often each service is
//! found open on the public IPv4 internet, as the internet-wide scan projects publish it:
//! Rapid7's Project Sonar, "National Exposure Index" (Beardsley, Rudis, Hart; Rapid7 Labs,
//! June 2016, and its 2017/2018 editions: the most prevalent TCP services and their counts),
//! Censys' list of the ports it scans daily as popular (IANA-assigned services, "Censys
//! Internet Scanning Intro", support.censys.io), and Izhikevich, Teixeira, Durumeric, "LZR:
//! Identifying Unexpected Internet Services", USENIX Security 2021 (HTTP and TLS on ports
//! other than 80 and 443: the 8xxx, 9xxx and panel ports). The order was compiled by hand
//! from those published rankings, not from raw scan data, and not from nmap's
//! `nmap-services` (whose licence forbids copying it). Beyond the head those measurements
//! show only a long, nearly flat tail, so the list goes on with the IANA well-known range in
//! ascending order until it holds 1,000 ports.
//!
//! UDP: the services those projects and the amplification advisories (US-CERT TA14-017A,
//! "UDP-Based Amplification Attacks") find answering most, DNS, NTP, SNMP and NetBIOS first.
use std::sync::OnceLock;

/// How many ports the default TCP list holds.
pub const TCP_DEFAULT: usize = 1000;

/// The measured head of the TCP list, most frequently open first.
const TCP_HEAD: &[u16] = &[
    80, 443, 22, 8080, 21, 25, 7547, 3389, 8443, 53, 110, 143, 993, 995, 587, 465, 23, 3306, 8081,
    445, 139, 135, 111, 1723, 5060, 8888, 8000, 2000, 81, 5432, 5900, 1433, 6379, 27017, 9200,
    8008, 8880, 2082, 2083, 2086, 2087, 2095, 2096, 10000, 179, 5000, 5001, 8001, 9000, 9090, 3000,
    49152, 1900, 389, 636, 1521, 5985, 5986, 11211, 2222, 8181, 9100, 515, 631, 554, 8554, 1080,
    3128, 8118, 1194, 1701, 5222, 5269, 6667, 6697, 119, 563, 873, 2049, 3690, 9418, 548, 502, 102,
    20000, 1883, 8883, 5672, 15672, 61616, 9092, 2181, 6443, 10250, 2379, 2380, 4443, 7443, 9443,
    10443, 8009, 8010, 8082, 8083, 8084, 8085, 8086, 8087, 8088, 8089, 8090, 8091, 8099, 8180,
    8200, 8300, 8500, 8834, 9001, 9002, 9080, 9091, 9999, 10001, 32400, 50000, 50070, 5601, 5044,
    5984, 9042, 7001, 7002, 4848, 8069, 8161, 8291, 8728, 8729, 37777, 34567, 4567, 5555, 5353,
    4000, 4040, 4433, 4444, 5009, 5357, 5800, 5801, 5901, 5902, 5903, 6000, 6001, 6080, 6666, 7000,
    7070, 7071, 7080, 7777, 7778, 8002, 8003, 8004, 8005, 8006, 8007, 8011, 8012, 8020, 8021, 8022,
    8025, 8030, 8040, 8042, 8060, 8070, 8098, 8100, 8123, 8139, 8140, 8222, 8280, 8281, 8333, 8400,
    8401, 8402, 8444, 8445, 8800, 8843, 8873, 8887, 8889, 8899, 8983, 9003, 9009, 9010, 9043, 9060,
    9081, 9082, 9088, 9093, 9094, 9095, 9096, 9097, 9098, 9099, 9191, 9300, 9306, 9389, 9415, 9500,
    9530, 9600, 9700, 9800, 9876, 9943, 9944, 9981, 9998, 10002, 10003, 10080, 10243, 10554, 11000,
    11112, 12000, 12345, 13000, 14000, 14147, 16010, 16080, 16992, 16993, 17000, 18080, 18081,
    18245, 19000, 20547, 21025, 22222, 23023, 25565, 27015, 28017, 30000, 31337, 32764, 33060,
    37215, 44818, 47001, 49153, 49154, 49155, 49156, 49157, 50050, 50100, 51106, 52869, 54321,
    55443, 55553, 60000, 60001, 62078, 64738,
];

/// The default UDP list, most frequently answering first.
pub const UDP_TOP: &[u16] = &[
    53, 123, 161, 137, 1900, 5353, 500, 4500, 67, 68, 69, 111, 138, 162, 514, 520, 1194, 1701,
    5060, 2049, 11211, 389, 1812, 1813, 3478, 5683, 47808, 623, 443, 51820, 1434, 88, 464, 631,
    5355, 3702, 177, 19, 17, 7, 13, 37, 1645, 1646, 1604, 2000, 4789, 8472, 6881, 27015, 9987,
    10000, 20000, 5351, 5632, 3283, 2427, 2727, 1719, 4070, 49152, 33434, 636, 5000, 5004, 5005,
    1718, 1985, 3389, 4172, 6000, 7777, 9600, 10001, 16384, 17185, 18081, 26000, 27960, 30718,
    31337, 32768, 34962, 44818, 50000, 54321, 64738, 2302, 2303, 28015, 25565, 3074, 3544, 5050,
    10080, 12000, 42,
];

/// The default TCP list: the measured head, then the well-known range in ascending order.
pub fn tcp_top() -> &'static [u16] {
    static LIST: OnceLock<Vec<u16>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut v = TCP_HEAD.to_vec();
        let rest: Vec<u16> = (1..1024u16)
            .filter(|p| !TCP_HEAD.contains(p))
            .take(TCP_DEFAULT.saturating_sub(v.len()))
            .collect();
        v.extend(rest);
        v
    })
}

/// The first `n` default ports of a transport (all of them when `n` is larger).
pub fn top(udp: bool, n: usize) -> &'static [u16] {
    let l = if udp { UDP_TOP } else { tcp_top() };
    &l[..n.min(l.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn no_duplicates(l: &[u16]) {
        let mut seen = HashSet::new();
        for p in l {
            assert!(seen.insert(*p), "port {p} is listed twice");
            assert_ne!(*p, 0);
        }
    }

    #[test]
    fn tcp_list_is_a_thousand_distinct_ports_most_frequent_first() {
        let l = tcp_top();
        assert_eq!(l.len(), TCP_DEFAULT);
        no_duplicates(l);
        // The measured head comes first, in its order: the web, then SSH.
        assert_eq!(&l[..3], &[80, 443, 22]);
        assert_eq!(&l[..TCP_HEAD.len()], TCP_HEAD);
        // The tail is the well-known range, ascending.
        let tail = &l[TCP_HEAD.len()..];
        assert!(tail.windows(2).all(|w| w[0] < w[1]));
        assert!(tail.iter().all(|&p| p < 1024));
    }

    #[test]
    fn udp_list_is_short_and_distinct() {
        no_duplicates(UDP_TOP);
        assert!(UDP_TOP.len() < 200);
        assert_eq!(&UDP_TOP[..3], &[53, 123, 161]);
    }

    #[test]
    fn top_takes_the_first_n() {
        assert_eq!(top(false, 10), &tcp_top()[..10]);
        assert_eq!(top(true, 2), &[53, 123]);
        assert_eq!(top(true, 100_000).len(), UDP_TOP.len());
    }
}
