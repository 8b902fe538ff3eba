//! `--shard K/N`: one exact part of a `targets × ports` scan, so N copies of the same command
//! (a Kubernetes Indexed Job, GNU parallel, a CI matrix) split it with no probe twice and none
//! missing.
//!
//! The pairs are numbered `rank(t) · P + p`, where `rank` is a permutation of the targets
//! drawn from the shared `--seed`, and pair `i` belongs to shard `i mod N`. Numbering is a
//! bijection onto `0..T·P`, so the shards are disjoint, cover the scan, and differ in size by
//! at most one. Consecutive pairs go to consecutive shards (interleaved, not blocks), so one
//! busy host or block is spread over every shard. Each target gets the ports whose index is
//! in one residue class mod N, so a shard is at most `min(N, P)` groups of targets that share
//! a port list: the engine runs each group as one scan.
use crate::error::InputError;
use std::fmt;

/// Shard `index` of `count` (0-based, as `JOB_COMPLETION_INDEX`), with the permutation seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
    pub seed: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Targets (indices into the plan's list) that are probed on the same ports (indices into
/// the plan's port list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub targets: Vec<usize>,
    pub ports: Vec<usize>,
}

/// Parses `K/N`: 0 ≤ K < N ≤ 1,000,000.
pub fn parse_shard(s: &str, seed: u64) -> Result<Shard, InputError> {
    let bad = |why: &str| InputError::new("shard", s, why);
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| bad("expected K/N, e.g. 0/4 (K counts from 0, as JOB_COMPLETION_INDEX)"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| bad("N must be a whole number from 1 to 1000000"))?;
    if n == 0 || n > 1_000_000 {
        return Err(bad("N must be a whole number from 1 to 1000000"));
    }
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| bad("K must be a whole number from 0 to N-1"))?;
    if k >= n {
        return Err(bad(&format!(
            "K must be from 0 to {} (shards count from 0)",
            n - 1
        )));
    }
    Ok(Shard {
        index: k,
        count: n,
        seed,
    })
}

/// splitmix64: a small, well-mixed step for a reproducible shuffle (no dependency, and the
/// same on every machine and version, which a shared seed needs).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Shard {
    /// The rank of each target: a Fisher-Yates shuffle of `0..targets` from the seed.
    fn ranks(&self, targets: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..targets).collect();
        let mut st = self.seed;
        for i in (1..targets).rev() {
            let j = (splitmix(&mut st) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let mut rank = vec![0; targets];
        for (r, t) in order.into_iter().enumerate() {
            rank[t] = r;
        }
        rank
    }

    /// The residue (mod N) of the port indices target `rank` gets in this shard.
    fn residue(&self, rank: usize, ports: usize) -> u64 {
        let n = self.count as u64;
        let offset = (rank as u64 % n) * (ports as u64 % n) % n;
        (self.index as u64 + n - offset) % n
    }

    /// This shard's part of a `targets × ports` scan, as groups of targets sharing a port
    /// list, in the order of the residues; targets within a group keep the plan's order.
    pub fn split(&self, targets: usize, ports: usize) -> Vec<Group> {
        let n = self.count as usize;
        let mut by_residue: Vec<Vec<usize>> = vec![Vec::new(); n.min(ports.max(1))];
        for (t, rank) in self.ranks(targets).into_iter().enumerate() {
            let r = self.residue(rank, ports) as usize;
            // Residues at or past P select no port: that target sits this shard out.
            if r < ports {
                by_residue[r].push(t);
            }
        }
        by_residue
            .into_iter()
            .enumerate()
            .filter(|(_, ts)| !ts.is_empty())
            .map(|(r, ts)| Group {
                targets: ts,
                ports: (r..ports).step_by(n).collect(),
            })
            .collect()
    }

    /// How many probes this shard's part holds.
    pub fn size(groups: &[Group]) -> usize {
        groups.iter().map(|g| g.targets.len() * g.ports.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn pairs(s: &Shard, t: usize, p: usize) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for g in s.split(t, p) {
            for &ti in &g.targets {
                for &pi in &g.ports {
                    v.push((ti, pi));
                }
            }
        }
        v
    }

    #[test]
    fn shards_partition_exactly_and_evenly() {
        for (t, p) in [
            (256, 10),
            (1, 1),
            (1, 65535),
            (3, 2),
            (10, 7),
            (5, 1),
            (0, 3),
        ] {
            for n in [1u32, 2, 3, 7, 16, 100] {
                for seed in [0u64, 42] {
                    let mut all = BTreeSet::new();
                    let mut sizes = Vec::new();
                    for k in 0..n {
                        let s = Shard {
                            index: k,
                            count: n,
                            seed,
                        };
                        let part = pairs(&s, t, p);
                        assert_eq!(part.len(), Shard::size(&s.split(t, p)));
                        sizes.push(part.len());
                        for pr in part {
                            assert!(all.insert(pr), "{pr:?} twice (t={t} p={p} n={n})");
                        }
                    }
                    assert_eq!(all.len(), t * p, "t={t} p={p} n={n}");
                    let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
                    assert!(hi.unwrap() - lo.unwrap() <= 1, "{sizes:?}");
                }
            }
        }
    }

    #[test]
    fn a_block_spreads_over_every_shard_and_the_seed_changes_the_split() {
        let a = Shard {
            index: 0,
            count: 4,
            seed: 1,
        };
        let b = Shard { seed: 2, ..a };
        // 16 targets × 1 port: every shard gets 4 targets, chosen by the seed.
        assert_eq!(Shard::size(&a.split(16, 1)), 4);
        assert_ne!(a.split(16, 1), b.split(16, 1));
        assert_eq!(a.split(16, 1), a.split(16, 1));
    }

    #[test]
    fn bad_shards_quote_the_input() {
        for bad in ["", "1", "4/4", "-1/4", "0/0", "a/3", "0/2000000"] {
            let e = parse_shard(bad, 0).unwrap_err();
            assert_eq!(e.input, bad);
        }
        assert_eq!(parse_shard("2/7", 5).unwrap().to_string(), "2/7");
    }
}
