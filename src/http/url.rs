//! `http://HOST[:PORT][/PATH]`: what `sockdiag http` accepts, checked before any traffic.
use crate::error::InputError;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `https://`: TLS over the connection.
    pub tls: bool,
    /// A name, or an address literal without brackets.
    pub host: String,
    pub port: u16,
    /// Path and query, `/` at least; no fragment.
    pub target: String,
}

impl Url {
    fn default_port(&self) -> u16 {
        if self.tls {
            443
        } else {
            80
        }
    }

    /// The Host header value: brackets for IPv6, the port unless it is the scheme's default.
    pub fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.default_port() {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }

    /// The URL written back in a normal form (the one records show).
    pub fn normal(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{}", self.host_header(), self.target)
    }
}

/// Parses an `http://` or `https://` URL; a missing scheme means `http://`.
pub fn parse(s: &str) -> Result<Url, InputError> {
    let bad = |part: &str, why: &str| InputError::new("URL", part, format!("{why} (in '{s}')"));
    let (scheme, rest) = match s.find("://") {
        Some(i) => (&s[..i], &s[i + 3..]),
        None => ("http", s),
    };
    let tls = scheme.eq_ignore_ascii_case("https");
    if !tls && !scheme.eq_ignore_ascii_case("http") {
        return Err(bad(scheme, "only http:// and https:// URLs are supported"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(bad(authority, "credentials in the URL are not supported"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some(close) = v6.find(']') else {
            return Err(bad(authority, "unclosed [ in the host"));
        };
        let host = &v6[..close];
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad(host, "not an IPv6 address"));
        }
        (host, &v6[close + 1..])
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    if host.is_empty() {
        return Err(bad(authority, "no host"));
    }
    let port = if port.is_empty() {
        if tls {
            443
        } else {
            80
        }
    } else {
        let p = port.strip_prefix(':').unwrap_or(port);
        match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(bad(p, "the port must be a number 1-65535")),
        }
    };
    if host.parse::<IpAddr>().is_err() {
        crate::resolve::validate(host).map_err(|e| bad(host, &e.why))?;
    }
    let tail = tail.split('#').next().unwrap_or("");
    let target = if tail.is_empty() {
        "/".to_string()
    } else if tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_string()
    };
    if let Some(c) = target
        .chars()
        .find(|c| c.is_control() || *c == ' ' || !c.is_ascii())
    {
        return Err(bad(
            &target,
            &format!("{:?} in the path: percent-encode it", c),
        ));
    }
    Ok(Url {
        tls,
        host: host.to_string(),
        port,
        target,
    })
}

/// `-H NAME:VALUE`: a token name, a value without CR or LF.
pub fn parse_header(s: &str) -> Result<(String, String), InputError> {
    let bad = |why: &str| InputError::new("header", s, why);
    let Some((name, value)) = s.split_once(':') else {
        return Err(bad("write it as NAME:VALUE, e.g. 'Accept: text/plain'"));
    };
    let name = name.trim();
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(tchar) {
        return Err(bad("the name must be a token (letters, digits, -)"));
    }
    if value.contains(['\r', '\n']) {
        return Err(bad("no line breaks in a header value"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse("http://127.0.0.1:8080/a?b=c#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("127.0.0.1", 8080, "/a?b=c")
        );
        assert_eq!(u.host_header(), "127.0.0.1:8080");
        let u = parse("http://[::1]/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 80));
        assert_eq!(u.host_header(), "[::1]");
        assert_eq!(u.normal(), "http://[::1]/");
        let u = parse("localhost:81").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("localhost", 81, "/")
        );
        let u = parse("HTTP://Example.test?q").unwrap();
        assert_eq!(u.target, "/?q");
        let u = parse("https://[::1]:8443/x").unwrap();
        assert!(u.tls);
        assert_eq!(
            (u.port, u.normal().as_str()),
            (8443, "https://[::1]:8443/x")
        );
        let u = parse("HTTPS://localhost").unwrap();
        assert_eq!((u.port, u.host_header().as_str()), (443, "localhost"));
    }

    #[test]
    fn bad_urls_quote_the_bad_part() {
        let cases = [
            ("ftp://x/", "ftp"),
            ("http://127.0.0.1:0/", "0"),
            ("http://127.0.0.1:99999/", "99999"),
            ("http://127.0.0.1:x/", "x"),
            ("http://u:p@host/", "u:p@host"),
            ("http://[::1/", "[::1"),
            ("http://[nope]/", "nope"),
            ("http:///path", ""),
            ("http://bad host/", "bad host"),
            ("http://h/a b", "/a b"),
        ];
        for (url, part) in cases {
            let e = parse(url).unwrap_err();
            assert_eq!(e.input, part, "{url}: {e}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("X-A: b c").unwrap(),
            ("X-A".to_string(), "b c".to_string())
        );
        assert_eq!(parse_header("X-A:").unwrap().1, "");
        for bad in ["nocolon", ": v", "a b: c", "X: a\r\nY: b"] {
            assert_eq!(parse_header(bad).unwrap_err().input, bad);
        }
    }
}
