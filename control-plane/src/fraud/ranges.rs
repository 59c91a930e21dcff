//! Imported IP ranges held in memory (DESIGN §11): each kind is a prefix table of merged,
//! sorted address intervals, one per address family, so a lookup is a binary search over
//! the intervals (never a scan), whatever the ranges overlap.

use std::net::IpAddr;

use ipnet::IpNet;

/// Sorted, disjoint, non-adjacent inclusive intervals of one address family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Intervals<T> {
    spans: Vec<(T, T)>,
}

impl<T: Copy + Ord + num_like::Step> Intervals<T> {
    fn from_spans(mut spans: Vec<(T, T)>) -> Self {
        spans.sort_unstable();
        let mut merged: Vec<(T, T)> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            match merged.last_mut() {
                // Overlapping or touching: one interval.
                Some(last) if lo <= last.1.next_or_max() => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        merged.shrink_to_fit();
        Self { spans: merged }
    }

    fn contains(&self, x: T) -> bool {
        // The last interval starting at or before x.
        let i = self.spans.partition_point(|(lo, _)| *lo <= x);
        i > 0 && x <= self.spans[i - 1].1
    }
}

/// `x + 1` without overflow, for merging touching intervals.
mod num_like {
    pub(super) trait Step {
        fn next_or_max(self) -> Self;
    }
    impl Step for u32 {
        fn next_or_max(self) -> Self {
            self.saturating_add(1)
        }
    }
    impl Step for u128 {
        fn next_or_max(self) -> Self {
            self.saturating_add(1)
        }
    }
}

/// The ranges of one kind (datacenter or VPN), IPv4 and IPv6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixTable {
    v4: Intervals<u32>,
    v6: Intervals<u128>,
}

impl PrefixTable {
    /// A table of these networks (overlaps and duplicates are merged).
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for net in nets {
            match net {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        Self {
            v4: Intervals::from_spans(v4),
            v6: Intervals::from_spans(v6),
        }
    }

    /// Whether an address lies in one of the ranges. An IPv4 address written as IPv6
    /// (`::ffff:a.b.c.d`) is looked up as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.v4.contains(u32::from(v4)),
                None => self.v6.contains(u128::from(a)),
            },
        }
    }

    /// How many intervals the table holds after merging (IPv4, IPv6).
    pub fn intervals(&self) -> (usize, usize) {
        (self.v4.spans.len(), self.v6.spans.len())
    }

    /// The memory the table's intervals take, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.v4.spans.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.v6.spans.capacity() * std::mem::size_of::<(u128, u128)>()
    }
}

/// Every kind's table, as of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    /// The id of the latest import these were loaded after (0: none yet).
    pub generation: i64,
    /// Hosting ranges (`datacenter_ip`, blocking).
    pub datacenter: PrefixTable,
    /// VPN ranges (`vpn_ip`, a signal).
    pub vpn: PrefixTable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(nets: &[&str]) -> PrefixTable {
        PrefixTable::new(nets.iter().map(|n| n.parse::<IpNet>().expect(n)))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect(s)
    }

    #[test]
    fn addresses_inside_a_range_match_and_the_ones_beside_do_not() {
        let t = table(&["203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32"]);
        for inside in [
            "203.0.113.0",
            "203.0.113.255",
            "198.51.100.7",
            "2001:db8::1",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:203.0.113.9",
        ] {
            assert!(t.contains(ip(inside)), "{inside}");
        }
        for outside in [
            "203.0.112.255",
            "203.0.114.0",
            "198.51.100.6",
            "198.51.100.8",
            "2001:db9::",
            "2001:db7:ffff::",
            "0.0.0.0",
            "255.255.255.255",
            "::",
        ] {
            assert!(!t.contains(ip(outside)), "{outside}");
        }
        assert!(!PrefixTable::default().contains(ip("10.0.0.1")));
    }

    #[test]
    fn overlapping_nested_and_touching_ranges_merge() {
        let t = table(&[
            "10.0.0.0/8",
            "10.1.0.0/16",
            "11.0.0.0/24",
            "11.0.1.0/24",
            "0.0.0.0/32",
            "255.255.255.255/32",
            "::/0",
        ]);
        // 10/8 ends where 11.0.0.0/24 begins: 0.0.0.0, 10.0.0.0–11.0.1.255, 255.255.255.255.
        assert_eq!(t.intervals(), (3, 1));
        assert!(t.contains(ip("10.1.2.3")) && t.contains(ip("11.0.1.255")));
        assert!(!t.contains(ip("11.0.2.0")));
        assert!(t.contains(ip("255.255.255.255")) && t.contains(ip("0.0.0.0")));
        assert!(t.contains(ip("ffff::1")));
    }

    #[test]
    fn lookups_agree_with_a_scan() {
        // Ranges drawn from a small generator, every address of the first /16 checked
        // against a scan of the networks.
        let mut nets = Vec::new();
        let mut x: u32 = 12345;
        for _ in 0..200 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let prefix = 20 + (x >> 28) % 13;
            let addr = std::net::Ipv4Addr::from(0x0a00_0000 | ((x >> 8) & 0xffff));
            nets.push(IpNet::V4(
                ipnet::Ipv4Net::new(addr, prefix as u8)
                    .expect("prefix")
                    .trunc(),
            ));
        }
        let t = PrefixTable::new(nets.clone());
        for low in 0..=0xffffu32 {
            let a = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 | low));
            assert_eq!(t.contains(a), nets.iter().any(|n| n.contains(&a)), "{a}");
        }
    }
}
