//! The inet_diag bytecode filter: the kernel runs it on each socket and leaves out those it
//! rejects, so a port filter on a host with a million sockets sends only the matching ones.
//! Compiled as ss compiles its filters (misc/ss.c, ssfilter_bytecompile): a program falls
//! off its end for "yes" and jumps 4 bytes past its end for "no"; `or` is `a; JMP; b`, and
//! `and` is `a; b` with `a`'s "no" jumps moved past `b`.

const BC_JMP: u8 = 1;
const BC_S_GE: u8 = 2;
const BC_S_LE: u8 = 3;
const BC_D_GE: u8 = 4;
const BC_D_LE: u8 = 5;

/// The most port ranges compiled into bytecode; beyond that the filter stays in the program.
pub const MAX_RANGES: usize = 64;

/// `struct inet_diag_bc_op`: a code and two relative jumps, 4 bytes.
fn op(code: u8, yes: u8, no: u16) -> [u8; 4] {
    let n = no.to_ne_bytes();
    [code, yes, n[0], n[1]]
}

/// A port comparison: the op and the port in the `no` field of a second op (8 bytes).
fn cmp(code: u8, port: u16) -> Vec<u8> {
    let mut v = op(code, 8, 12).to_vec();
    v.extend_from_slice(&op(0, 0, port));
    v
}

/// `a and b`: every "no" of `a` that left `a` (to its end + 4) now leaves `b` as well.
fn and(mut a: Vec<u8>, b: Vec<u8>) -> Vec<u8> {
    let (la, lb) = (a.len(), b.len());
    let mut at = 0;
    while at < la {
        let no = u16::from_ne_bytes([a[at + 2], a[at + 3]]) as usize;
        if a[at] != 0 && no == la - at + 4 {
            let moved = ((no + lb) as u16).to_ne_bytes();
            a[at + 2] = moved[0];
            a[at + 3] = moved[1];
        }
        // Port comparisons are two ops long; their second op holds the port.
        at += if matches!(a[at], BC_S_GE..=BC_D_LE) {
            8
        } else {
            4
        };
    }
    a.extend_from_slice(&b);
    a
}

/// `a or b`: `a` falling off its end jumps over `b` (yes); `a`'s "no" lands on `b`.
fn or(mut a: Vec<u8>, b: Vec<u8>) -> Vec<u8> {
    a.extend_from_slice(&op(BC_JMP, 4, (b.len() + 4) as u16));
    a.extend_from_slice(&b);
    a
}

/// A program that accepts a socket when its local or its peer port is in one of `ranges`
/// (inclusive); `None` for no ranges, or more than [`MAX_RANGES`].
pub fn either_port(ranges: &[(u16, u16)]) -> Option<Vec<u8>> {
    if ranges.is_empty() || ranges.len() > MAX_RANGES {
        return None;
    }
    let clause = |lo, hi, ge, le| and(cmp(ge, lo), cmp(le, hi));
    let mut prog: Option<Vec<u8>> = None;
    for &(lo, hi) in ranges {
        for (ge, le) in [(BC_S_GE, BC_S_LE), (BC_D_GE, BC_D_LE)] {
            let c = clause(lo, hi, ge, le);
            prog = Some(match prog {
                None => c,
                Some(p) => or(p, c),
            });
        }
    }
    prog
}

/// Runs a program as the kernel does (net/ipv4/inet_diag.c, inet_diag_bc_run), for tests.
#[cfg(test)]
pub fn run(bc: &[u8], sport: u16, dport: u16) -> bool {
    let mut len = bc.len() as isize;
    let mut at = 0usize;
    while len > 0 {
        let code = bc[at];
        let yes_jump = bc[at + 1] as isize;
        let no_jump = u16::from_ne_bytes([bc[at + 2], bc[at + 3]]) as isize;
        let port = || u16::from_ne_bytes([bc[at + 6], bc[at + 7]]);
        let yes = match code {
            BC_JMP => false,
            BC_S_GE => sport >= port(),
            BC_S_LE => sport <= port(),
            BC_D_GE => dport >= port(),
            BC_D_LE => dport <= port(),
            _ => true,
        };
        let j = if yes { yes_jump } else { no_jump };
        len -= j;
        at = at.wrapping_add(j as usize);
    }
    len == 0
}

/// Checks a program as the kernel's audit does (inet_diag_bc_audit): every jump lands on an
/// op or just past the end, "no" at most 4 past it; for tests.
#[cfg(test)]
pub fn audit(bc: &[u8]) -> bool {
    let total = bc.len() as isize;
    // The offsets reachable along "yes" jumps (the audit's own walk).
    let mut on_chain = std::collections::HashSet::new();
    let (mut len, mut at) = (total, 0usize);
    while len > 0 {
        on_chain.insert(at);
        let code = bc[at];
        let min = if matches!(code, BC_S_GE..=BC_D_LE) {
            8
        } else {
            4
        };
        let yes = bc[at + 1] as isize;
        let no = u16::from_ne_bytes([bc[at + 2], bc[at + 3]]) as isize;
        if code != 0 {
            if no < min || no > len + 4 || no & 3 != 0 {
                return false;
            }
            if no < len && !chain_has(bc, at + no as usize) {
                return false;
            }
        }
        if yes < min || yes > len + 4 || yes & 3 != 0 {
            return false;
        }
        at += yes as usize;
        len -= yes;
    }
    true
}

#[cfg(test)]
fn chain_has(bc: &[u8], target: usize) -> bool {
    let mut at = 0usize;
    while at < bc.len() {
        if at == target {
            return true;
        }
        at += bc[at + 1] as usize;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_port_either_end() {
        let bc = either_port(&[(443, 443)]).unwrap();
        assert!(audit(&bc));
        assert!(run(&bc, 443, 51000));
        assert!(run(&bc, 51000, 443));
        assert!(!run(&bc, 442, 444));
        assert!(!run(&bc, 80, 80));
    }

    #[test]
    fn several_ranges() {
        let ranges = [(22, 22), (8000, 8100), (65535, 65535)];
        let bc = either_port(&ranges).unwrap();
        assert!(audit(&bc));
        for (s, d, want) in [
            (22, 1, true),
            (1, 22, true),
            (8000, 1, true),
            (1, 8100, true),
            (8050, 8050, true),
            (7999, 8101, false),
            (65535, 0, true),
            (0, 65534, false),
            (23, 21, false),
        ] {
            assert_eq!(run(&bc, s, d), want, "{s} {d}");
        }
        assert!(either_port(&[]).is_none());
        assert!(either_port(&vec![(1, 1); MAX_RANGES + 1]).is_none());
        let many: Vec<(u16, u16)> = (0..MAX_RANGES as u16).map(|i| (i * 10, i * 10)).collect();
        let bc = either_port(&many).unwrap();
        assert!(audit(&bc) && run(&bc, 630, 1) && !run(&bc, 631, 1));
    }
}
