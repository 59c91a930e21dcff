//! Imported IP ranges (DESIGN §11): their kinds, the parser of a list file, and the prefix
//! table they are held in. Each kind's table holds merged, sorted address intervals, one per
//! address family, so a lookup is a binary search over the intervals (never a scan),
//! whatever the ranges overlap.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// What a list of ranges is: which reason an address in it earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RangeKind {
    /// Hosting providers and clouds (`datacenter_ip`, blocking).
    Datacenter,
    /// Commercial VPN exits and privacy relays (`vpn_ip`, a signal).
    Vpn,
}

impl RangeKind {
    /// Every kind, in the order lists show them.
    pub const ALL: [RangeKind; 2] = [Self::Datacenter, Self::Vpn];

    /// The stored name (`fraud_ranges.kind`) and the CLI's `--kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Datacenter => "datacenter",
            Self::Vpn => "vpn",
        }
    }
}

impl fmt::Display for RangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of datacenter, vpn")]
pub struct UnknownKind(pub String);

impl FromStr for RangeKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

crate::stored_as_text!(RangeKind);

/// What a list file held: its ranges, and the lines that are not ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRanges {
    /// The ranges, in file order (duplicates and overlaps kept: the table merges them).
    pub nets: Vec<IpNet>,
    /// The lines that are neither a range, a comment nor blank.
    pub bad: Vec<BadLine>,
}

/// A line of a list that is not a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based.
    pub line: usize,
    /// The line without its comment and surrounding blanks, cut to 100 characters (a
    /// binary file's "line" may be long).
    pub text: String,
    /// Why it is not a range.
    pub why: BadRange,
}

/// Why a line is not a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadRange {
    /// Not an IPv4 or IPv6 address before the `/` (or on the whole line).
    #[error("not an IPv4 or IPv6 address")]
    NotAnAddress,
    /// The prefix length is not a number.
    #[error("the prefix length is not a number")]
    PrefixNotANumber,
    /// The prefix length is more than the address has bits.
    #[error("the prefix length is more than {0}")]
    PrefixTooLong(u8),
    /// Something after the range (another range, a name, an AS number), which a list of
    /// this format does not have: the file is likely in another format.
    #[error("text after the range")]
    TextAfter,
}

/// The longest text a [`BadLine`] keeps.
const BAD_TEXT_CHARS: usize = 100;

/// Parses a list of ranges (DESIGN §11): one range a line, IPv4 or IPv6, as `address/len`
/// or a bare address (a host route: /32 or /128).
///
/// - Blank lines and comments are ignored: `#` starts a comment, on a line of its own or
///   after a range. A byte-order mark at the start and `\r` line ends are fine.
/// - A range with host bits set (`10.0.0.1/8`) is accepted and truncated to its network
///   (`10.0.0.0/8`), silently, as `ip route`, `ipset` and most list tools do: the lists in use
///   contain such lines, and the range meant is clear.
/// - An IPv4-mapped IPv6 range (`::ffff:192.0.2.0/120`) is taken as the IPv4 range it maps
///   (`192.0.2.0/24`), since lookups match a mapped address as IPv4.
/// - IPv4 octets with leading zeros (`010.0.0.1`, octal to some parsers) and IPv6 zones
///   (`fe80::1%eth0`) are bad lines, as is anything else that is not exactly one range.
pub fn parse_ranges(text: &str) -> ParsedRanges {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = ParsedRanges::default();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        match parse_range(content) {
            Ok(net) => parsed.nets.push(net),
            Err(why) => parsed.bad.push(BadLine {
                line: i + 1,
                text: content.chars().take(BAD_TEXT_CHARS).collect(),
                why,
            }),
        }
    }
    parsed
}

/// One range, `address/len` or a bare address, truncated to its network.
fn parse_range(s: &str) -> Result<IpNet, BadRange> {
    let mut fields = s.split_whitespace();
    let net = parse_net(fields.next().unwrap_or_default())?;
    match fields.next() {
        Some(_) => Err(BadRange::TextAfter),
        None => Ok(net),
    }
}

/// One field: `address/len` or a bare address.
fn parse_net(s: &str) -> Result<IpNet, BadRange> {
    let (addr, len) = match s.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| BadRange::NotAnAddress)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        // A digit string only: u8's parser would take "+8".
        Some(len) if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) => {
            match len.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(BadRange::PrefixTooLong(max)),
            }
        }
        Some(_) => return Err(BadRange::PrefixNotANumber),
    };
    let net = match addr {
        IpAddr::V4(a) => IpNet::V4(Ipv4Net::new(a, len).map_err(|_| BadRange::PrefixTooLong(32))?),
        IpAddr::V6(a) => match (a.to_ipv4_mapped(), len.checked_sub(96)) {
            (Some(v4), Some(len)) => {
                IpNet::V4(Ipv4Net::new(v4, len).map_err(|_| BadRange::PrefixTooLong(128))?)
            }
            _ => IpNet::V6(Ipv6Net::new(a, len).map_err(|_| BadRange::PrefixTooLong(128))?),
        },
    };
    Ok(net.trunc())
}

/// How many of these networks are IPv4 and IPv6.
pub fn count_families(nets: &[IpNet]) -> (usize, usize) {
    let v4 = nets.iter().filter(|n| matches!(n, IpNet::V4(_))).count();
    (v4, nets.len() - v4)
}

/// The networks sorted with exact duplicates removed (what a kind stores: `fraud_ranges`'
/// key is the kind and the range).
pub(crate) fn distinct(mut nets: Vec<IpNet>) -> Vec<IpNet> {
    nets.sort_unstable();
    nets.dedup();
    nets
}

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

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse::<IpNet>().expect(n)).collect()
    }

    #[test]
    fn a_list_of_ipv4_and_ipv6_ranges_parses_with_its_comments_and_blanks() {
        let text = "\u{feff}# hosting ranges\n\
                    203.0.113.0/24\n\
                    \n\
                    \t198.51.100.0/25   # a trailing comment\r\n\
                    2001:db8::/32\n\
                    2001:DB8:1::/48\n\
                    #2001:db8:2::/48 commented out\n\
                    192.0.2.7\n\
                    2001:db8::1\n\
                    \u{20}  # indented comment\n";
        let parsed = parse_ranges(text);
        assert_eq!(parsed.bad, vec![]);
        assert_eq!(
            parsed.nets,
            nets(&[
                "203.0.113.0/24",
                "198.51.100.0/25",
                "2001:db8::/32",
                "2001:db8:1::/48",
                "192.0.2.7/32",
                "2001:db8::1/128",
            ])
        );
        assert_eq!(count_families(&parsed.nets), (3, 3));
        assert_eq!(parse_ranges(""), ParsedRanges::default());
        assert_eq!(parse_ranges("# nothing\n\n"), ParsedRanges::default());
    }

    #[test]
    fn host_bits_are_truncated_and_mapped_ipv4_is_ipv4() {
        let parsed = parse_ranges(
            "10.1.2.3/8\n2001:db8::dead:beef/32\n::ffff:192.0.2.9/120\n::ffff:0:0/96\n::ffff:1.2.3.4\n",
        );
        assert_eq!(parsed.bad, vec![]);
        assert_eq!(
            parsed.nets,
            nets(&[
                "10.0.0.0/8",
                "2001:db8::/32",
                "192.0.2.0/24",
                "0.0.0.0/0",
                "1.2.3.4/32",
            ])
        );
        // A prefix shorter than the mapped block stays IPv6.
        assert_eq!(parse_ranges("::/64").nets, nets(&["::/64"]));
    }

    #[test]
    fn bad_lines_are_reported_with_their_number_text_and_why() {
        let text = "10.0.0.0/8\n\
                    10.0.0.0/33\n\
                    2001:db8::/129\n\
                    not-an-ip\n\
                    # fine\n\
                    10.0.0.0/x\n\
                    10.0.0.0/\n\
                    10.0.0.0/+8\n\
                    /8\n\
                    010.0.0.0/8\n\
                    1.2.3.4 5.6.7.8   # two\n\
                    bad line here\n\
                    fe80::1%eth0\n\
                    1.2.3.0/300\n\
                    192.0.2.0/24\n";
        let parsed = parse_ranges(text);
        assert_eq!(parsed.nets, nets(&["10.0.0.0/8", "192.0.2.0/24"]));
        let got: Vec<(usize, &str, BadRange)> = parsed
            .bad
            .iter()
            .map(|b| (b.line, b.text.as_str(), b.why))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "10.0.0.0/33", BadRange::PrefixTooLong(32)),
                (3, "2001:db8::/129", BadRange::PrefixTooLong(128)),
                (4, "not-an-ip", BadRange::NotAnAddress),
                (6, "10.0.0.0/x", BadRange::PrefixNotANumber),
                (7, "10.0.0.0/", BadRange::PrefixNotANumber),
                (8, "10.0.0.0/+8", BadRange::PrefixNotANumber),
                (9, "/8", BadRange::NotAnAddress),
                (10, "010.0.0.0/8", BadRange::NotAnAddress),
                (11, "1.2.3.4 5.6.7.8", BadRange::TextAfter),
                (12, "bad line here", BadRange::NotAnAddress),
                (13, "fe80::1%eth0", BadRange::NotAnAddress),
                (14, "1.2.3.0/300", BadRange::PrefixTooLong(32)),
            ]
        );
        assert_eq!(
            BadRange::PrefixTooLong(32).to_string(),
            "the prefix length is more than 32"
        );
        // A binary file's line is cut in the report.
        let long = "x".repeat(5000);
        assert_eq!(parse_ranges(&long).bad[0].text.len(), BAD_TEXT_CHARS);
    }

    #[test]
    fn overlapping_and_duplicate_lines_are_kept_apart_until_the_table_merges_them() {
        let parsed = parse_ranges("10.0.0.0/8\n10.1.0.0/16\n10.0.0.0/8\n10.2.3.4/8\n");
        assert_eq!(parsed.nets.len(), 4);
        let kept = distinct(parsed.nets.clone());
        assert_eq!(kept, nets(&["10.0.0.0/8", "10.1.0.0/16"]));
        let t = PrefixTable::new(parsed.nets);
        assert_eq!(t.intervals(), (1, 0));
        assert!(t.contains(ip("10.255.255.255")) && !t.contains(ip("11.0.0.0")));
    }

    #[test]
    fn kinds_have_their_stored_names() {
        for kind in RangeKind::ALL {
            assert_eq!(kind.as_str().parse::<RangeKind>(), Ok(kind));
        }
        assert_eq!("datacenter".parse(), Ok(RangeKind::Datacenter));
        assert!("DataCenter".parse::<RangeKind>().is_err());
        assert_eq!(
            "hosting".parse::<RangeKind>().map_err(|e| e.to_string()),
            Err("\"hosting\" is not one of datacenter, vpn".to_owned())
        );
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
