//! The one way integration tests run sockdiag: a clean command with a scrubbed environment,
//! so a developer's NO_COLOR, LANG or SOCKDIAG_* never changes what a test sees.
#![allow(dead_code)]

pub fn sockdiag() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sockdiag").expect("binary built");
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LC_ALL", "C");
    c
}

/// Runs sockdiag with `args` and no stdin; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = sockdiag()
        .args(args)
        .write_stdin("")
        .output()
        .expect("run sockdiag");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The same clean sockdiag as a plain `std::process::Command`, for tests that spawn it and
/// talk to it while it runs (pipes, signals, a server in the background).
pub fn command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sockdiag"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LC_ALL", "C");
    c
}
