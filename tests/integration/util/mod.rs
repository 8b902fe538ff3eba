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

/// A pseudo-terminal `cols` columns wide: (the master end to read, the slave end to give a
/// child as its stdout or stderr).
pub fn pty(cols: u16, rows: u16) -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two fds from a valid winsize.
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
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    }
}

/// Everything written to a pty's slave end until every holder has closed it (a read then
/// fails with EIO), read on a thread so that a child never blocks on a full pty.
pub fn read_pty(mut master: std::fs::File) -> std::thread::JoinHandle<String> {
    use std::io::Read;
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
}

/// The child's whole output, read while it runs (so a full pipe never stalls it); past
/// `limit` it gets `signal` (by its pid: only the process the test spawned) and the test fails
/// with its stderr.
pub fn output_within(
    child: std::process::Child,
    limit: std::time::Duration,
    signal: i32,
) -> std::process::Output {
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output().expect("wait for the child");
        let _ = tx.send(());
        out
    });
    if rx.recv_timeout(limit).is_err() {
        // SAFETY: a signal to the child this test spawned, not yet reaped (its waiter holds it).
        unsafe { libc::kill(pid, signal) };
        let out = waiter.join().expect("the waiter");
        panic!(
            "still running after {limit:?}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    waiter.join().expect("the waiter")
}

/// [`output_within`] as (exit code, stdout, stderr), -1 for a signal.
pub fn finish_within(
    child: std::process::Child,
    limit: std::time::Duration,
    signal: i32,
) -> (i32, String, String) {
    let out = output_within(child, limit, signal);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
