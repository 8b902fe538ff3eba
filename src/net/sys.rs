//! The raw calls: getsockopt / setsockopt for the value shapes the catalog uses (an int, a
//! `struct linger`, a `struct timeval`) and TCP_INFO. Errors are the errno, untouched.
use std::io;
use std::mem::size_of;
use std::os::fd::RawFd;

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads a plain-data option value of type `T`.
fn get<T: Copy>(fd: RawFd, level: i32, name: i32, init: T) -> io::Result<T> {
    let mut v = init;
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `v` is a valid, writable T of `len` bytes; the kernel writes at most `len`.
    check(unsafe { libc::getsockopt(fd, level, name, &mut v as *mut T as *mut _, &mut len) })?;
    Ok(v)
}

fn set<T: Copy>(fd: RawFd, level: i32, name: i32, v: T) -> io::Result<()> {
    // SAFETY: `v` is a valid T of the size passed.
    check(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &v as *const T as *const _,
            size_of::<T>() as libc::socklen_t,
        )
    })
}

pub fn get_int(fd: RawFd, level: i32, name: i32) -> io::Result<i32> {
    get(fd, level, name, 0 as libc::c_int)
}

pub fn set_int(fd: RawFd, level: i32, name: i32, v: i32) -> io::Result<()> {
    set(fd, level, name, v as libc::c_int)
}

/// SO_LINGER: `None` when off, else the linger time in seconds.
pub fn get_linger(fd: RawFd) -> io::Result<Option<u32>> {
    let l = get(
        fd,
        libc::SOL_SOCKET,
        libc::SO_LINGER,
        libc::linger {
            l_onoff: 0,
            l_linger: 0,
        },
    )?;
    Ok((l.l_onoff != 0).then_some(l.l_linger.max(0) as u32))
}

pub fn set_linger(fd: RawFd, v: Option<u32>) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: v.is_some() as libc::c_int,
        l_linger: v.unwrap_or(0).min(i32::MAX as u32) as libc::c_int,
    };
    set(fd, libc::SOL_SOCKET, libc::SO_LINGER, l)
}

/// SO_RCVTIMEO / SO_SNDTIMEO in milliseconds (0: no timeout).
pub fn get_timeval_ms(fd: RawFd, name: i32) -> io::Result<u64> {
    let tv = get(
        fd,
        libc::SOL_SOCKET,
        name,
        libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
    )?;
    Ok(tv.tv_sec.max(0) as u64 * 1000 + tv.tv_usec.max(0) as u64 / 1000)
}

pub fn set_timeval_ms(fd: RawFd, name: i32, ms: u64) -> io::Result<()> {
    let tv = libc::timeval {
        tv_sec: (ms / 1000).min(i32::MAX as u64) as libc::time_t,
        tv_usec: ((ms % 1000) * 1000) as libc::suseconds_t,
    };
    set(fd, libc::SOL_SOCKET, name, tv)
}

/// The kernel's view of a TCP connection (TCP_INFO).
pub fn tcp_info(fd: RawFd) -> io::Result<libc::tcp_info> {
    // SAFETY: tcp_info is plain data; all zeroes is a valid value.
    let zero: libc::tcp_info = unsafe { std::mem::zeroed() };
    get(fd, libc::IPPROTO_TCP, libc::TCP_INFO, zero)
}

/// The round trip of a just-connected socket's handshake (SYN to SYN-ACK) as the kernel
/// measured it: TCP_INFO's smoothed RTT, which is that one sample until data flows. `None`
/// without a sample (the SYN was retransmitted and no timestamp tells which one was answered).
pub fn handshake_rtt(fd: RawFd) -> Option<std::time::Duration> {
    let i = tcp_info(fd).ok()?;
    (i.tcpi_rtt > 0).then(|| std::time::Duration::from_micros(u64::from(i.tcpi_rtt)))
}
