//! The command line as a user meets it: bad input is one line quoting the bad part with exit
//! 2; help, version and a closed stdout are not errors. Only loopback and literals here.
mod util;
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
    let (_, out, _) = run(&["resolve", "--format", "table", "--color", "always", "::1"]);
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
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty fills two fds; a zeroed winsize is a 0x0 terminal.
    let ws: libc::winsize = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &ws,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both fds are fresh from openpty and owned here.
    let (mut master, slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    let mut child = util::command()
        .args(["--color", "always", "--format", "table", "opts"])
        .stdin(std::process::Stdio::null())
        .stdout(slave)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = Vec::new();
    // Read while it writes (a pty holds little); once its end is closed a read fails (EIO).
    let mut buf = [0u8; 4096];
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let status = child.wait().unwrap();
    let out = String::from_utf8_lossy(&out);
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
