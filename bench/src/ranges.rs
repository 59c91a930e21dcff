//! Row 7: the imported hosting and VPN ranges in memory (DESIGN §11). The shared snapshot of
//! the public lists (`../shared/data/ip-ranges`, kept outside the repository; the row is
//! skipped without it) is parsed and loaded into the control plane's own prefix tables, one
//! per kind, as `afftok fraud ranges import` and the ranges' cache would: the row gives their
//! memory and the cost of looking up one click's address in both, against a hash set per
//! prefix length (the usual first idea) built from the same ranges in the same run, with a
//! linear scan over the ranges as a second reference on a sample. The three must agree on
//! every address, or the row fails.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use afftok_control_plane::fraud::{PrefixTable, RangeKind, count_families, parse_ranges};
use ipnet::IpNet;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::Ctx;
use crate::results::{Figure, Row};

/// A lookup (one address, both kinds) must cost under this, in ns: a batch of 500 clicks is
/// then scored against the ranges in well under a millisecond.
const LOOKUP_TARGET_NS: f64 = 1_000.0;
/// Both kinds' tables must fit in this, in MiB: every control plane holds them.
const MEMORY_TARGET_MIB: f64 = 16.0;

/// The list files of a kind in the snapshot.
fn files(dir: &Path, kind: RangeKind) -> Vec<PathBuf> {
    let names: &[&str] = match kind {
        RangeKind::Datacenter => &["datacenter-ipv4.txt", "datacenter-ipv6.txt"],
        RangeKind::Vpn => &["vpn-ipv4.txt", "vpn-ipv6.txt"],
    };
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// A kind's ranges, read as the import reads them (bad lines skipped and counted).
fn load(dir: &Path, kind: RangeKind) -> Result<(Vec<IpNet>, usize), String> {
    let (mut nets, mut bad) = (Vec::new(), 0);
    for file in files(dir, kind) {
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed = parse_ranges(&String::from_utf8_lossy(&bytes));
        bad += parsed.bad.len();
        nets.extend(parsed.nets);
    }
    nets.sort_unstable();
    nets.dedup();
    Ok((nets, bad))
}

/// The baseline: per address family, a hash set of networks for each prefix length in use;
/// a lookup masks the address to each length and probes that set.
#[derive(Default)]
struct HashedPrefixes {
    v4: Vec<(u8, HashSet<u32>)>,
    v6: Vec<(u8, HashSet<u128>)>,
}

/// A map's sets by prefix length, shortest first.
fn by_length<T>(m: HashMap<u8, HashSet<T>>) -> Vec<(u8, HashSet<T>)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by_key(|(len, _)| *len);
    v
}

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len)))
    }
}

fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len)))
    }
}

impl HashedPrefixes {
    fn new(nets: &[IpNet]) -> Self {
        let (mut v4, mut v6): (HashMap<u8, HashSet<u32>>, HashMap<u8, HashSet<u128>>) =
            Default::default();
        for net in nets {
            match net {
                IpNet::V4(n) => {
                    v4.entry(n.prefix_len())
                        .or_default()
                        .insert(u32::from(n.network()));
                }
                IpNet::V6(n) => {
                    v6.entry(n.prefix_len())
                        .or_default()
                        .insert(u128::from(n.network()));
                }
            }
        }
        Self {
            v4: by_length(v4),
            v6: by_length(v6),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4
                    .iter()
                    .any(|(len, set)| set.contains(&mask4(a, *len)))
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6
                    .iter()
                    .any(|(len, set)| set.contains(&mask6(a, *len)))
            }
        }
    }

    /// Heap bytes, estimated from the sets' bucket counts (the standard hash table keeps a
    /// control byte per bucket besides the value, and at most 7/8 of its buckets full).
    fn heap_bytes(&self) -> usize {
        fn set<T: Hash>(s: &HashSet<T>) -> usize {
            let buckets = (s.capacity() * 8 / 7 + 1).next_power_of_two();
            buckets * (std::mem::size_of::<T>() + 1) + 16
        }
        self.v4.iter().map(|(_, s)| set(s)).sum::<usize>()
            + self.v6.iter().map(|(_, s)| set(s)).sum::<usize>()
            + self.v4.capacity() * std::mem::size_of::<(u8, HashSet<u32>)>()
            + self.v6.capacity() * std::mem::size_of::<(u8, HashSet<u128>)>()
    }

    fn lengths(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
}

/// Addresses to look up: half drawn inside a random range of either kind (hits), half
/// anywhere in the IPv4 space or in IPv6's global unicast block 2000::/3 (mostly misses);
/// four in five IPv4, as click traffic is.
fn addresses(nets: &[IpNet], n: usize) -> Vec<IpAddr> {
    let mut rng = StdRng::seed_from_u64(0x00af_f70c_0a11);
    let (v4, v6): (Vec<&IpNet>, Vec<&IpNet>) = nets.iter().partition(|n| matches!(n, IpNet::V4(_)));
    (0..n)
        .map(|_| {
            let want_v4 = rng.random_range(0..5) != 0 || v6.is_empty();
            let inside = rng.random::<bool>();
            match (want_v4, inside) {
                (true, true) if !v4.is_empty() => {
                    let IpNet::V4(net) = v4[rng.random_range(0..v4.len())] else {
                        unreachable!("partitioned")
                    };
                    let host_bits = 32 - u32::from(net.prefix_len());
                    let offset = rng.random::<u32>().checked_shr(32 - host_bits).unwrap_or(0);
                    IpAddr::V4(Ipv4Addr::from(u32::from(net.network()) | offset))
                }
                (false, true) => {
                    let IpNet::V6(net) = v6[rng.random_range(0..v6.len())] else {
                        unreachable!("partitioned")
                    };
                    let host_bits = 128 - u32::from(net.prefix_len());
                    let offset = rng
                        .random::<u128>()
                        .checked_shr(128 - host_bits)
                        .unwrap_or(0);
                    IpAddr::V6(Ipv6Addr::from(u128::from(net.network()) | offset))
                }
                (true, _) => IpAddr::V4(Ipv4Addr::from(rng.random::<u32>())),
                (false, false) => {
                    IpAddr::V6(Ipv6Addr::from((rng.random::<u128>() >> 3) | (1u128 << 125)))
                }
            }
        })
        .collect()
}

/// Best of `runs` passes of `f` over the addresses: ns per address, and the addresses it
/// found in a range (as a bitmap, to compare).
fn time_lookups(
    addrs: &[IpAddr],
    runs: usize,
    mut f: impl FnMut(IpAddr) -> bool,
) -> (f64, Vec<bool>) {
    let mut best = f64::INFINITY;
    let mut hits = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let found: Vec<bool> = addrs.iter().map(|a| f(black_box(*a))).collect();
        let ns = started.elapsed().as_secs_f64() * 1e9 / addrs.len().max(1) as f64;
        best = best.min(ns);
        hits = found;
    }
    (best, hits)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Measures the row; no row (and a message) without the snapshot.
pub fn run(ctx: &Ctx, dir: &Path) -> Result<Vec<Row>, String> {
    if files(dir, RangeKind::Datacenter).is_empty() && files(dir, RangeKind::Vpn).is_empty() {
        println!(
            "    skipped: no IP range lists in {} (the shared snapshot of X4BNet/lists_vpn, \
             kept outside the repository); nothing measured",
            dir.display()
        );
        return Ok(Vec::new());
    }
    let (dc, dc_bad) = load(dir, RangeKind::Datacenter)?;
    let (vpn, vpn_bad) = load(dir, RangeKind::Vpn)?;
    let all: Vec<IpNet> = dc.iter().chain(&vpn).copied().collect();
    let (ipv4, ipv6) = count_families(&all);

    let started = Instant::now();
    let tables = [PrefixTable::new(dc.clone()), PrefixTable::new(vpn.clone())];
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let hashed = [HashedPrefixes::new(&dc), HashedPrefixes::new(&vpn)];
    let table_bytes: usize = tables.iter().map(PrefixTable::heap_bytes).sum();
    let hashed_bytes: usize = hashed.iter().map(HashedPrefixes::heap_bytes).sum();
    let raw_bytes = all.len() * std::mem::size_of::<IpNet>();
    let (iv4, iv6) = tables.iter().fold((0, 0), |(a, b), t| {
        let (x, y) = t.intervals();
        (a + x, b + y)
    });

    let (n, sample, runs) = if ctx.quick {
        (100_000, 200, 2)
    } else {
        (1_000_000, 2_000, 5)
    };
    let addrs = addresses(&all, n);
    let (table_ns, table_hits) = time_lookups(&addrs, runs, |a| {
        tables[0].contains(a) | tables[1].contains(a)
    });
    let (hashed_ns, hashed_hits) = time_lookups(&addrs, runs, |a| {
        hashed[0].contains(a) | hashed[1].contains(a)
    });
    let (scan_ns, scan_hits) = time_lookups(&addrs[..sample.min(n)], 1, |a| {
        all.iter().any(|net| net.contains(&a))
    });
    if table_hits != hashed_hits || scan_hits[..] != table_hits[..scan_hits.len()] {
        return Err(
            "the prefix tables, the hash sets and the scan disagree on some address".to_owned(),
        );
    }
    let hit_share = table_hits.iter().filter(|h| **h).count() as f64 / n as f64;

    let sizes = format!(
        "{} ranges ({} datacenter, {} VPN; {ipv4} IPv4, {ipv6} IPv6) from {}",
        all.len(),
        dc.len(),
        vpn.len(),
        dir.display()
    );
    let bad = dc_bad + vpn_bad;
    let notes = (bad > 0).then(|| format!("{bad} bad lines in the lists were skipped"));
    Ok(vec![
        Row {
            id: "fraud-ranges-lookup".to_owned(),
            title: "Fraud ranges: lookup".to_owned(),
            metric: "ns per address".to_owned(),
            subject: Figure::new("prefix tables (binary search)", table_ns)
                .with("hit_share", hit_share)
                .with("addresses", n as f64)
                .with("linear_scan_ns", scan_ns),
            baseline: Some(Figure::new("hash set per prefix length", hashed_ns).with(
                "prefix_lengths",
                hashed.iter().map(HashedPrefixes::lengths).sum::<usize>() as f64,
            )),
            ratio: Some(hashed_ns / table_ns),
            target: format!("≤ {LOOKUP_TARGET_NS:.0} ns"),
            met: table_ns <= LOOKUP_TARGET_NS,
            how: format!(
                "{sizes}; one address looked up in both kinds' tables (datacenter and VPN), as \
                 scoring does for a click; best of {runs} passes over {n} addresses, half drawn \
                 inside a range, half random (4 in 5 IPv4), {:.0}% of them in a range; the \
                 baseline probes a std HashSet for each prefix length in use; a linear scan \
                 over every range took {scan_ns:.0} ns per address ({sample} addresses, {:.0}× \
                 the tables); all three agree on every address",
                hit_share * 100.0,
                scan_ns / table_ns
            ),
            notes: notes.clone(),
            extra: serde_json::Map::new(),
        },
        Row {
            id: "fraud-ranges-memory".to_owned(),
            title: "Fraud ranges: memory".to_owned(),
            metric: "MiB".to_owned(),
            subject: Figure::new("prefix tables", mib(table_bytes))
                .with("bytes", table_bytes as f64)
                .with("ranges", all.len() as f64)
                .with("intervals_v4", iv4 as f64)
                .with("intervals_v6", iv6 as f64)
                .with("build_ms", build_ms),
            baseline: Some(
                Figure::new("hash set per prefix length", mib(hashed_bytes))
                    .with("bytes", hashed_bytes as f64),
            ),
            ratio: Some(hashed_bytes as f64 / table_bytes.max(1) as f64),
            target: format!("≤ {MEMORY_TARGET_MIB:.0} MiB"),
            met: mib(table_bytes) <= MEMORY_TARGET_MIB,
            how: format!(
                "{sizes}, merged into {iv4} IPv4 and {iv6} IPv6 intervals (built in \
                 {build_ms:.0} ms); the tables' heap bytes (PrefixTable::heap_bytes), against \
                 the hash sets' estimated from their bucket counts; the ranges themselves as \
                 ipnet values take {:.2} MiB",
                mib(raw_bytes)
            ),
            notes,
            extra: serde_json::Map::new(),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_and_the_table_agree() {
        let nets: Vec<IpNet> = ["10.0.0.0/8", "10.1.0.0/16", "192.0.2.7/32", "0.0.0.0/0"]
            .iter()
            .map(|n| n.parse().expect("net"))
            .collect();
        let small: Vec<IpNet> = nets[..3].to_vec();
        for set in [&small, &nets] {
            let (t, h) = (PrefixTable::new(set.clone()), HashedPrefixes::new(set));
            for a in addresses(set, 2_000) {
                assert_eq!(t.contains(a), h.contains(a), "{a}");
            }
        }
        let six: Vec<IpNet> = ["2001:db8::/32", "::/0"]
            .iter()
            .map(|n| n.parse().expect("net"))
            .collect();
        let h = HashedPrefixes::new(&six);
        assert!(h.contains("2001:db8::1".parse().expect("ip")));
        assert!(h.contains("fe80::1".parse().expect("ip")));
        assert!(HashedPrefixes::new(&small).contains("192.0.2.7".parse().expect("ip")));
        assert!(!HashedPrefixes::new(&small).contains("192.0.2.8".parse().expect("ip")));
        assert_eq!(mask4(0xffff_ffff, 0), 0);
        assert_eq!(mask4(0xffff_ffff, 32), 0xffff_ffff);
        assert_eq!(mask6(u128::MAX, 0), 0);
    }
}
