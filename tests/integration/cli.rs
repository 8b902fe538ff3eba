//! The command line as a user meets it: bad input is one line quoting the bad part with exit
//! 2; help, version and a closed stdout are not errors. Only loopback and literals here.
use crate::util;
use util::{run, sockdiag};

/// Each bad invocation: the arguments, and a part the one-line message must quote.
const BAD_INPUT: &[(&[&str], &str)] = &[
    (&["resolve", "bad name"], "'bad name'"),
    (&["resolve", "a..b"], "'a..b'"),
    (&["resolve", ""], "empty"),
    (&["resolve", "--jobs", "0", "localhost"], "'0'"),
    (&["resolve", "--jobs", "x", "localhost"], "'x'"),
    (&["resolve", "--format", "yaml", "localhost"], "'yaml'"),
    (
        &["resolve", "--color", "sometimes", "localhost"],
        "'sometimes'",
    ),
    (
        &["resolve", "--file", "/nonexistent/names.txt"],
        "'/nonexistent/names.txt'",
    ),
    (&["resolve", "--frobnicate"], "'--frobnicate'"),
    (&["resolve"], "no names given"),
    (&["nosuchcommand"], "'nosuchcommand'"),
    (&["--generate", "tcsh"], "'tcsh'"),
    (&["resolve", "-4", "-6", "localhost"], "'-6'"),
    // probe: refused before anything is sent.
    (&["probe", "127.0.0.1", "70000"], "'70000'"),
    (&["probe", "127.0.0.1", "0"], "'0'"),
    (&["probe", "127.0.0.1", "90-80"], "'90-80'"),
    (&["probe", "127.0.0.1", "nosuchservice"], "'nosuchservice'"),
    (
        &["probe", "127.0.0.1", "80", "--exclude-ports", "80"],
        "leaves nothing",
    ),
    // Without PORTS the default list is probed; --top takes its first N and goes without PORTS.
    (&["probe", "--top", "10", "127.0.0.1", "22"], "--top '10'"),
    (&["probe", "--top", "0", "127.0.0.1"], "'0'"),
    (
        &["probe", "-V", "--count", "2", "127.0.0.1", "22"],
        "--service '--count'",
    ),
    // Too large a block (refused before any probe); loopback, so a regression sends nothing out.
    (&["probe", "127.0.0.0/8", "80"], "'127.0.0.0/8'"),
    (&["probe", "[::1", "80"], "'[::1'"),
    (&["probe", "127.0.0.1:80", "80"], "'127.0.0.1:80'"),
    (&["probe", "--timeout", "0", "127.0.0.1", "80"], "'0'"),
    (&["probe", "--timeout", "soon", "127.0.0.1", "80"], "'soon'"),
    (&["probe", "--rate", "-1", "127.0.0.1", "80"], "'-1'"),
    (
        &["probe", "--source", "nowhere", "127.0.0.1", "80"],
        "'nowhere'",
    ),
    (
        &["probe", "--interface", "nosuchif0", "127.0.0.1", "80"],
        "'nosuchif0'",
    ),
    (&["probe", "--count", "0", "127.0.0.1", "80"], "'0'"),
    (
        &["probe", "--targets-file", "/nonexistent/t", "80"],
        "'/nonexistent/t'",
    ),
    // trace: one host, one port, a sane range of hops, an address as the source.
    (&["trace", "127.0.0.1", "70000"], "'70000'"),
    (&["trace", "127.0.0.1", "80,443"], "'80,443'"),
    (
        &["trace", "127.0.0.1,127.0.0.2", "80"],
        "'127.0.0.1,127.0.0.2'",
    ),
    (&["trace", "127.0.0.0/30", "80"], "'127.0.0.0/30'"),
    (
        &["trace", "--first-hop", "5", "--max-hops", "4", "127.0.0.1"],
        "'5'",
    ),
    (&["trace", "--max-hops", "0", "127.0.0.1"], "'0'"),
    (&["trace", "--max-hops", "256", "127.0.0.1"], "'256'"),
    (&["trace", "--queries", "11", "127.0.0.1"], "'11'"),
    (&["trace", "--timeout", "0", "127.0.0.1"], "'0'"),
    (
        &["trace", "--source", "127.0.0.1:4000", "127.0.0.1"],
        "'127.0.0.1:4000'",
    ),
    (
        &["trace", "--interface", "nosuchif0", "127.0.0.1"],
        "'nosuchif0'",
    ),
    (&["trace", "bad name", "80"], "'bad name'"),
    (&["why", "db.example.test"], "'db.example.test'"),
    (&["why", "127.0.0.1", "70000"], "'70000'"),
    (&["why", "127.0.0.1", "80,443"], "'80,443'"),
    (
        &["why", "127.0.0.1,127.0.0.2", "80"],
        "'127.0.0.1,127.0.0.2'",
    ),
    (&["why", "--expect", "(", "127.0.0.1", "80"], "'('"),
    (&["why", "--timeout", "0", "127.0.0.1", "80"], "'0'"),
    (&["why", "https://a.example.test/", "8443"], "'8443'"),
    (&["why", "ftp://a.example.test/"], "'ftp'"),
    (
        &["why", "--cacert", "/x.pem", "127.0.0.1", "80"],
        "'--cacert'",
    ),
    (&["why", "--http=health", "127.0.0.1", "80"], "'health'"),
    (&["why", "-6", "127.0.0.1", "80"], "'127.0.0.1'"),
];

#[test]
fn bad_input_is_one_line_quoting_it_with_exit_2() {
    for (args, quoted) in BAD_INPUT {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("sockdiag: "), "{args:?}: {err}");
        assert!(
            err.contains(quoted),
            "{args:?}: {err:?} should quote {quoted}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Messages a user met that quoted the wrong thing or said nothing useful: (arguments, exit
/// code, what the one line must say, what it must not).
type MessageCase = (
    &'static [&'static str],
    i32,
    &'static [&'static str],
    &'static [&'static str],
);
const MESSAGES: &[MessageCase] = &[
    // What was typed, not a 0 of sockdiag's own.
    (
        &["probe", "-n", "--timeout", "0s", "127.0.0.1", "80"],
        2,
        &["'0s'", "more than zero"],
        &[],
    ),
    (
        &["connect", "--timeout", "0.0s", "127.0.0.1", "80"],
        2,
        &["'0.0s'", "more than zero"],
        &[],
    ),
    (
        &["serve", "--duration", "0ms", "127.0.0.1:0"],
        2,
        &["'0ms'", "more than zero"],
        &[],
    ),
    // No flag takes more than 24h: months and years are no help.
    (
        &["probe", "-n", "--timeout", "1x", "127.0.0.1", "80"],
        2,
        &["'1x'", "24h"],
        &["months", "years"],
    ),
    // Rust's parse messages become the range.
    (
        &[
            "probe",
            "-n",
            "--count",
            "99999999999999999999",
            "127.0.0.1",
            "80",
        ],
        2,
        &["'99999999999999999999'", "from 1 to 1000000"],
        &["target type"],
    ),
    (
        &["sockets", "--pid", "abc"],
        2,
        &["'abc'", "from 1 to 4294967295"],
        &["invalid digit"],
    ),
    // One rule for targets: a space is refused as resolve refuses it, not a second target.
    (
        &["probe", "-n", "h€llo wörld", "80"],
        2,
        &["'h€llo wörld'", "no spaces"],
        &[],
    ),
    // The list's length, not a silent cap.
    (
        &["probe", "-n", "--top", "5000", "127.0.0.1"],
        2,
        &["'5000'", "has 1000 ports"],
        &[],
    ),
    // `--` with nothing after it is a usage error, not a probe without a command.
    (
        &["probe", "-n", "--wait", "1s", "127.0.0.1", "80", "--"],
        2,
        &["'--'", "nothing after it"],
        &[],
    ),
    // The OS error once (10.255.0.1 is no address of this host: bind fails, nothing is sent).
    (
        &["exporter", "--listen", "10.255.0.1:9115"],
        3,
        &["10.255.0.1:9115", "(os error 99)"],
        &["(os error 99): Cannot"],
    ),
];

#[test]
fn messages_quote_what_was_typed_and_say_what_would_do() {
    for (args, want, says, never) in MESSAGES {
        let (code, _, err) = run(args);
        assert_eq!(code, *want, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        for s in *says {
            assert!(err.contains(s), "{args:?}: {err:?} should say {s}");
        }
        for s in *never {
            assert!(!err.contains(s), "{args:?}: {err:?} should not say {s}");
        }
    }
}

#[test]
fn an_empty_targets_file_says_so_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty", ""),
        ("comments", "# none yet\n\n  # still none\n"),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        let path = f.to_str().unwrap();
        let (code, _, err) = run(&["probe", "-n", "--targets-file", path, "80"]);
        assert_eq!(code, 2, "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("'{path}'")) && err.contains("has no targets"),
            "{err}"
        );
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes:"));
    let (code, out, _) = run(&["resolve", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("sockdiag resolve localhost"),
        "examples in long help"
    );
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("sockdiag "));
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let (c1, before, _) = run(&["--json", "-4", "resolve", "--no-reverse", "127.0.0.1"]);
    let (c2, after, _) = run(&["resolve", "--no-reverse", "127.0.0.1", "-4", "--json"]);
    assert_eq!((c1, c2), (0, 0));
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s.trim()).unwrap();
        v["elapsed_ms"] = 0.into();
        v
    };
    assert_eq!(strip(&before), strip(&after));
}

#[test]
fn plain_is_the_default_without_a_terminal_and_json_on_request() {
    let (code, out, _) = run(&["resolve", "--no-reverse", "127.0.0.1"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("127.0.0.1\tok\t127.0.0.1\tinet\t-\t-\t"),
        "{out:?}"
    );
    let (_, out, _) = run(&["resolve", "--format", "json", "--no-reverse", "::1"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["type"], "resolve");
    assert_eq!(v["addrs"][0]["family"], "inet6");
    let (_, out, _) = run(&["resolve", "--format", "table", "--no-reverse", "::1"]);
    assert!(out.contains("NAME") && out.contains("::1"), "{out}");
    assert!(
        !out.contains('\x1b'),
        "no colour without a terminal: {out:?}"
    );
    let (_, out, _) = run(&[
        "resolve",
        "--format",
        "table",
        "--color",
        "always",
        "--no-reverse",
        "::1",
    ]);
    assert!(out.contains('\x1b'), "--color always colours: {out:?}");
}

#[test]
fn legacy_numeric_forms_resolve_with_a_note() {
    for form in ["127.1", "0x7f.1", "2130706433"] {
        let (code, out, _) = run(&["resolve", "--json", "--no-reverse", form]);
        assert_eq!(code, 0, "{form}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["addrs"][0]["addr"], "127.0.0.1", "{form}");
        assert!(
            v["note"].as_str().unwrap().contains("means 127.0.0.1"),
            "{form}"
        );
    }
}

#[test]
fn names_from_stdin_and_file_with_comments_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("names.txt");
    std::fs::write(&f, "# loopback\n127.0.0.2\n\n::1   # v6\n").unwrap();
    let out = sockdiag()
        .args(["resolve", "--no-reverse", "127.0.0.3", "-", "--file"])
        .arg(&f)
        .write_stdin("127.0.0.4\n# nothing\n127.0.0.5\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.2", "::1"]
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    // `sockdiag resolve ... | head -0`: the reader closes at once.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} resolve --no-reverse $(seq -f 127.0.0.%g 1 200) | head -c 0; echo \"rc=${{PIPESTATUS:-$?}}\"",
            env!("CARGO_BIN_EXE_sockdiag")
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err, "", "nothing on stderr");
}

#[test]
fn no_arguments_shows_help_with_exit_2() {
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("Usage:"));
}

/// A terminal that reports no width (a pty left at 0x0, as `script` from a pipe or `docker
/// run -t` give) with colour on: the table keeps its natural width instead of being squeezed
/// to one character per column by comfy-table asking the terminal itself.
#[test]
fn a_coloured_table_on_a_terminal_without_a_width_is_not_squeezed() {
    let (master, slave) = util::pty(0, 0);
    let reader = util::read_pty(master);
    let mut child = util::command()
        .args(["--color", "always", "--format", "table", "opts"])
        .stdin(std::process::Stdio::null())
        .stdout(slave)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = reader.join().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(
        out.contains("\x1b["),
        "no colour on a terminal with --color always:\n{out}"
    );
    assert!(
        out.contains("SO_REUSEADDR") && out.contains("EFFECTIVE"),
        "the table was squeezed:\n{out}"
    );
}

/// Issue 10: on an 80-column terminal the opts table fits, no option name or sysctl is cut
/// in two, and the long notes are numbered footnotes under the table.
#[test]
fn opts_table_on_an_80_column_terminal_keeps_every_token_whole() {
    let (master, slave) = util::pty(80, 24);
    let reader = util::read_pty(master);
    let status = util::command()
        .args(["opts", "--sndbuf", "64KiB", "--keepalive", "--ttl", "0"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(slave)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    let out = reader.join().unwrap().replace("\r\n", "\n");
    assert_eq!(status.code(), Some(1), "{out}");
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line}\n{out}");
    }
    for token in [
        "TCP_KEEPINTVL",
        "TCP_USER_TIMEOUT",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_retries2",
        "EINVAL",
    ] {
        assert!(out.contains(token), "{token} cut in two:\n{out}");
    }
    assert!(out.contains("\n[1] "), "no footnotes:\n{out}");
}

/// Issue 10: messages a newcomer met. Each: the arguments, stdin, what the one line must say,
/// and what it must not (the wrong advice it used to give).
type Message = (
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const ISSUE10_MESSAGES: &[Message] = &[
    // A negative value for an option: not clap's "use '-- -1'".
    (
        &["probe", "--timeout", "-1s", "127.0.0.1", "80"],
        "",
        &["'-1s'", "--timeout", "negative"],
        &["'-- -1'"],
    ),
    (
        &["probe", "--retries", "-1", "127.0.0.1", "80"],
        "",
        &["'-1'", "--retries", "negative"],
        &["'-- -1'"],
    ),
    (
        &["connect", "--timeout=-2s", "127.0.0.1", "80"],
        "",
        &["'-2s'", "negative"],
        &["'-- -"],
    ),
    (
        &["probe", "127.0.0.1", "-5"],
        "",
        &["'-5'", "negative", "1 to 65535"],
        &["'-- -5'"],
    ),
    // (No ports is no longer an error: the default list is probed, issue 14.)
    // A URL where a host goes.
    (
        &["probe", "http://127.0.0.1", "80"],
        "",
        &["'http://127.0.0.1'", "a URL", "127.0.0.1", "sockdiag http"],
        &["CIDR"],
    ),
    (
        &["probe", "https://[::1]:8443/x", "80"],
        "",
        &["a URL", "::1"],
        &["CIDR"],
    ),
    (
        &["connect", "http://127.0.0.1:8080/", "80"],
        "",
        &["a URL", "127.0.0.1"],
        &["CIDR"],
    ),
    // `-` given, stdin empty.
    (
        &["resolve", "-"],
        "# only a comment\n\n",
        &["stdin", "no names"],
        &["or - for stdin", "''"],
    ),
    // connect with neither PORT nor HOST:PORT.
    (
        &["connect", "::1"],
        "",
        &["PORT", "HOST:PORT", "[V6]:PORT"],
        &["required arguments"],
    ),
    // Addresses this host does not have, refused before any probe.
    // (A bind that fails: nothing is sent anywhere.)
    (
        &["probe", "--source", "::2", "::1", "80"],
        "",
        &["'::2'", "not an address of this host"],
        &[],
    ),
    (
        &["connect", "--source", "[::3]:4000", "::1", "80"],
        "",
        &["'[::3]:4000'", "not an address of this host"],
        &[],
    ),
    // Bounded values (durations 0s-24h, rates 0.001-10000000).
    (
        &["probe", "--timeout", "100y", "127.0.0.1", "80"],
        "",
        &["'100y'", "24h"],
        &[],
    ),
    (
        &["probe", "--rate", "1e9", "127.0.0.1", "80"],
        "",
        &["'1e9'", "10000000"],
        &[],
    ),
];

#[test]
fn issue10_messages_say_what_is_wrong_and_what_to_give() {
    for (args, stdin, says, not) in ISSUE10_MESSAGES {
        let out = sockdiag().args(*args).write_stdin(*stdin).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        for s in *says {
            assert!(err.contains(s), "{args:?}: {err:?} should say {s}");
        }
        for s in *not {
            assert!(!err.contains(s), "{args:?}: {err:?} should not say {s}");
        }
    }
}

/// Issue 10: `connect HOST:PORT` and `[V6]:PORT`, as ncat takes them, when no PORT follows.
#[test]
fn connect_takes_host_colon_port_shorthand() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (code, out, err) = run(&["connect", "--json", &format!("127.0.0.1:{port}")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["target"].as_str(), v["port"].as_u64()),
        (Some("127.0.0.1"), Some(port.into()))
    );
    assert_eq!(v["state"], "open");
    let l6 = std::net::TcpListener::bind("[::1]:0").unwrap();
    let port = l6.local_addr().unwrap().port();
    let (code, out, err) = run(&["connect", "--json", &format!("[::1]:{port}")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["target"], "::1");
}

/// Issue 10: a bad entry read from a file is pointed at by file and line.
#[test]
fn a_bad_name_in_a_file_is_pointed_at_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("names.txt");
    std::fs::write(&f, "# names\n127.0.0.1\n\nbad name\n").unwrap();
    let (code, out, err) = run(&["resolve", "--file", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains(&format!("'bad name' ({} line 4)", f.display())),
        "{err}"
    );
    let o = sockdiag()
        .args(["resolve", "-"])
        .write_stdin("127.0.0.1\na..b\n")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("'a..b' (stdin line 2)"), "{err}");
}

/// Issue 10: in a subcommand's help the global flags come under their own heading, after the
/// subcommand's options (`-4` was between `--first-addr` and `--timeout`), and the states
/// table is aligned.
#[test]
fn help_groups_global_flags_and_aligns_the_states_table() {
    for sub in ["probe", "resolve", "connect", "http", "opts", "serve"] {
        let (code, out, _) = run(&[sub, "--help"]);
        assert_eq!(code, 0);
        let global = out
            .find("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("{sub}: no Global options heading:\n{out}"));
        let (own, globals) = out.split_at(global);
        for flag in ["\n  -4\n", "\n      --json\n", "\n  -q, --quiet\n"] {
            assert!(!own.contains(flag), "{sub}: {flag:?} among its own options");
            assert!(
                globals.contains(flag),
                "{sub}: {flag:?} not under Global options"
            );
        }
    }
    let (_, out, _) = run(&["probe", "--help"]);
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("States and reasons:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(rows.len() >= 10, "{out}");
    let reason_at = |row: &str| {
        let state_end = row.trim_start().find(' ').unwrap() + (row.len() - row.trim_start().len());
        state_end + row[state_end..].find(|c: char| c != ' ').unwrap()
    };
    let first = reason_at(rows[0]);
    for row in &rows {
        assert_eq!(
            reason_at(row),
            first,
            "misaligned: {row:?}\n{}",
            rows.join("\n")
        );
    }
}

/// Issue 10: a bad target in --targets-file is pointed at by file and line.
#[test]
fn a_bad_target_in_a_targets_file_is_pointed_at_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("targets.txt");
    std::fs::write(&f, "127.0.0.1\n# a comment\n127.0.0.0/8\n").unwrap();
    let (code, out, err) = run(&["probe", "--targets-file", f.to_str().unwrap(), "80"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains(&format!("'127.0.0.0/8' ({} line 3)", f.display())),
        "{err}"
    );
}

/// Issue 10: exit 3 always comes with a line saying why: here every probe failed on this host
/// (an IPv4 source for an IPv6 target; the bind fails, nothing is sent).
#[test]
fn nothing_probed_says_why_on_stderr() {
    let (code, _, err) = run(&["probe", "-n", "--source", "127.0.0.1", "::1", "80"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("nothing could be probed") && err.contains("local:EAFNOSUPPORT"),
        "{err}"
    );
}
