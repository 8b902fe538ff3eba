//! `sockdiag sockets` refuses bad filter values before it asks the kernel anything: one line
//! on stderr quoting the bad part, exit 2.
use crate::util;
use util::run;

const BAD_INPUT: &[(&[&str], &str)] = &[
    (&["sockets", "--state", "bogus"], "'bogus'"),
    (&["sockets", "--state", "listen,"], "'listen,'"),
    (&["ss", "--state", "established,time-wait,nope"], "'nope'"),
    (&["ss", "--port", "0"], "'0'"),
    (&["ss", "--port", "70000"], "'70000'"),
    (&["ss", "--port", "90-80"], "'90-80'"),
    (&["ss", "--port", "nosuchservice"], "'nosuchservice'"),
    (
        &["ss", "--local", "db.example.test:80"],
        "'db.example.test:80'",
    ),
    (&["ss", "--local", "127.0.0.1:99999"], "'127.0.0.1:99999'"),
    (&["ss", "--local", "127.0.0.1:1-5"], "'127.0.0.1:1-5'"),
    (&["ss", "--peer", "10.0.0.0/33"], "'10.0.0.0/33'"),
    (&["ss", "--peer", "[::1"], "'[::1'"),
    (&["ss", "--peer", "*"], "'*'"),
    (&["ss", "--peer", "fe80::1%eth0"], "'fe80::1%eth0'"),
    (&["ss", "--pid", "0"], "'0'"),
    (&["ss", "--pid", "x"], "'x'"),
    (&["ss", "--uid", "-1"], "'-1'"),
    (&["ss", "--process", ""], "''"),
    (&["ss", "--process", "/usr/sbin/nginx"], "'/usr/sbin/nginx'"),
    (&["ss", "--top", "0"], "'0'"),
    (&["ss", "--sort", "speed"], "'speed'"),
    (&["ss", "--watch", "0s"], "'0s'"),
    (&["ss", "--watch", "soon"], "'soon'"),
    (&["ss", "--count", "3"], "--watch"),
    (&["ss", "--listening", "--state", "listen"], "'--state"),
    (&["ss", "--no-process", "--pid", "1"], "'--pid"),
    (&["ss", "--summary", "--sort", "rtt"], "'--sort"),
];

#[test]
fn bad_filter_values_are_one_line_quoting_them_with_exit_2() {
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
    }
}

#[test]
fn help_shows_the_examples_and_the_alias() {
    let (code, out, _) = run(&["sockets", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("sockdiag ss --listening"), "{out}");
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let one_line = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(one_line.contains("[alias: ss]"), "{out}");
}
