//! Bad input never panics: the parsers of what users type (URLs, headers, addresses, sizes,
//! durations) and of what peers send (HTTP responses, HTTP request heads) fed with
//! generated input. No sockets.
use proptest::prelude::*;
use sockdiag::http::response;
use sockdiag::serve::httpd;

fn pieces() -> impl Strategy<Value = Vec<u8>> {
    let frag = prop_oneof![
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"HTTP/1.0 204 \r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"Content-Length: 5\r\n".to_vec()),
        Just(b"Content-Length: 99999999999999999999999\r\n".to_vec()),
        Just(b"Content-Length: -1\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"5\r\nhello\r\n".to_vec()),
        Just(b"ffffffffffffffffff\r\n".to_vec()),
        Just(b"0\r\n\r\n".to_vec()),
        Just(b"GET / HTTP/1.1\r\n".to_vec()),
        Just(b"Host: x\r\n".to_vec()),
        Just(b"Connection: keep-alive\r\n".to_vec()),
        Just("é\u{7f}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    proptest::collection::vec(frag, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn response_never_panics(b in pieces(), head in any::<bool>()) {
        let mut r = std::io::Cursor::new(b);
        let _ = response::read(&mut r, head, &mut || {});
    }
    #[test]
    fn httpd_never_panics(b in pieces()) {
        let _ = httpd::parse(&b);
    }
    #[test]
    fn numbers_with_units_never_panic(s in "-?[0-9]{1,25}(\\.[0-9])?(s|ms|h|d|years|k|KiB|MiB|GB|gb|b)?") {
        let _ = sockdiag::sockopt::parse::parse_size("x", &s);
        let _ = sockdiag::sockopt::parse::parse_int("x", &s);
        let _ = sockdiag::sockopt::parse::parse_secs("x", &s);
        let _ = sockdiag::sockopt::parse::parse_millis("x", &s);
        let _ = sockdiag::sockopt::parse::parse_linger(&s);
        let _ = sockdiag::cmd::serve::parse_bytes(&s);
        let _ = sockdiag::cmd::serve::parse_listen(&s);
        let _ = sockdiag::cmd::connect::parse_port(&s, false);
        // Through the options plan too (it turns seconds into milliseconds).
        let a = sockdiag::cli::SockOptArgs {
            keepidle: Some(s.clone()),
            keepintvl: Some(s.clone()),
            user_timeout: Some(s.clone()),
            linger: Some(s.clone()),
            ..Default::default()
        };
        if let Ok(plan) = sockdiag::cmd::opts::option_plan(&a, false) {
            for (_, v) in &plan.sets {
                let _ = serde_json::to_string(v);
            }
        }
    }
    #[test]
    fn url_never_panics(s in "[a-zA-Z:/\\[\\]0-9.%?#@é -]{0,30}") {
        let _ = sockdiag::http::url::parse(&s);
        let _ = sockdiag::http::url::parse_header(&s);
        let _ = sockdiag::cmd::opts::split_host_port(&s);
        let _ = sockdiag::sockopt::parse::parse_size("x", &s);
        let _ = sockdiag::sockopt::parse::parse_secs("x", &s);
        let _ = sockdiag::sockopt::parse::parse_millis("x", &s);
        let _ = sockdiag::sockopt::parse::parse_linger(&s);
        let _ = sockdiag::cmd::serve::parse_listen(&s);
    }
}
