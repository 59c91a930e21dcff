//! The SSRF guard (DESIGN §12): a webhook, a postback or an assistant's provider may only
//! reach public addresses. A URL's scheme must be https (http when a setting allows it); an
//! address written in the URL (in any spelling the URL standard accepts: `0x7f.1`,
//! `2130706433`, `[::ffff:127.0.0.1]`) is checked before sending; a host name is resolved by
//! [`GuardedResolver`] at connect time and only its allowed addresses are handed to the
//! connector, so a name that changes its answer between a check and the connection (DNS
//! rebinding) gets nowhere either. Redirects are never followed (the client's policy).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a URL.
    #[error("is not a valid URL")]
    NotAUrl,
    /// A scheme other than https (or http when allowed).
    #[error("must use https{}", if *.allow_http { " or http" } else { "" })]
    Scheme {
        /// Whether http is allowed here.
        allow_http: bool,
    },
    /// No host.
    #[error("has no host")]
    NoHost,
    /// An address in a refused range.
    #[error("{ip} is a {range} address, which webhooks may not reach")]
    Address {
        /// The address.
        ip: IpAddr,
        /// The range's name.
        range: &'static str,
    },
    /// Every address of a name is refused.
    #[error("{host} resolves only to addresses webhooks may not reach ({first})")]
    Resolved {
        /// The name.
        host: String,
        /// Why its first address is refused.
        first: String,
    },
    /// A name that does not resolve.
    #[error("{host} does not resolve: {why}")]
    Unresolved {
        /// The name.
        host: String,
        /// The resolver's answer.
        why: String,
    },
}

/// How long a target's name may take to resolve when it is saved (a resolver slow to say
/// that a made-up name does not exist must not hold the request).
pub const SAVE_LOOKUP_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What the guard lets through.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Networks allowed although in a refused range (dev and tests: loopback).
    pub allow: Vec<IpNet>,
    /// Whether `http://` URLs are allowed.
    pub allow_http: bool,
}

impl Guard {
    /// Checks a URL's scheme and, when its host is an address, the address; returns the
    /// parsed URL.
    pub fn check_url(&self, url: &str) -> Result<Url, Refused> {
        let parsed = Url::parse(url).map_err(|_| Refused::NotAUrl)?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => {
                return Err(Refused::Scheme {
                    allow_http: self.allow_http,
                });
            }
        }
        match parsed.host() {
            None => return Err(Refused::NoHost),
            Some(url::Host::Domain("")) => return Err(Refused::NoHost),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip))?,
            Some(url::Host::Domain(_)) => {}
        }
        Ok(parsed)
    }

    /// Checks a target URL as it is saved, as every connection to it will: [`Self::check_url`],
    /// and for a name its current addresses. A name that does not resolve now, or not within
    /// [`SAVE_LOOKUP_LIMIT`], is accepted: it may later, and every connection checks again.
    pub async fn check_target_now(&self, url: &str) -> Result<Url, Refused> {
        let parsed = self.check_url(url)?;
        if let Some(url::Host::Domain(host)) = parsed.host() {
            let resolver = GuardedResolver::new(Arc::new(self.clone()), Arc::new(SystemLookup));
            if let Some(refused) = resolver.refusal_now(host, SAVE_LOOKUP_LIMIT).await {
                return Err(refused);
            }
        }
        Ok(parsed)
    }

    /// Refuses an address in a refused range unless allow-listed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        match refused_range(ip) {
            Some(range) if !self.allow.iter().any(|net| net.contains(&ip)) => {
                Err(Refused::Address { ip, range })
            }
            _ => Ok(()),
        }
    }
}

/// The refused range `ip` lies in, by name (`None`: a public address).
pub fn refused_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "\"this network\"",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "private",
        (100, 64..=127, _) => "shared (CGNAT)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "IETF protocol",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address carried in IPv6 is judged as itself.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    let s = ip.segments();
    Some(match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback",
        // IPv4-compatible (deprecated), NAT64, Teredo and 6to4 carry IPv4 addresses
        // that may be anything: refused whole.
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible",
        [0x64, 0xff9b, ..] => "NAT64",
        [0x2001, 0, ..] => "Teredo",
        [0x2002, ..] => "6to4",
        [0x100, 0, 0, 0, ..] => "discard",
        [0x2001, 0xdb8, ..] => "documentation",
        [x, ..] if x & 0xfe00 == 0xfc00 => "private (unique local)",
        [x, ..] if x & 0xffc0 == 0xfe80 => "link-local",
        [x, ..] if x & 0xffc0 == 0xfec0 => "site-local",
        [x, ..] if x & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

/// A name lookup (the system's, or a fake in tests).
pub trait Lookup: Send + Sync + 'static {
    /// The addresses of `host`.
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The system resolver (getaddrinfo, through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// The resolver of the guarded client: resolves, drops refused addresses, and fails when
/// none is left.
#[derive(Clone)]
pub struct GuardedResolver {
    guard: Arc<Guard>,
    lookup: Arc<dyn Lookup>,
}

impl std::fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl GuardedResolver {
    /// A resolver checking with `guard`, looking up with `lookup`.
    pub fn new(guard: Arc<Guard>, lookup: Arc<dyn Lookup>) -> Self {
        Self { guard, lookup }
    }

    /// The allowed addresses of `host`.
    pub async fn resolve_host(&self, host: &str) -> Result<Vec<IpAddr>, Refused> {
        let found = self
            .lookup
            .lookup(host.to_owned())
            .await
            .map_err(|e| Refused::Unresolved {
                host: host.to_owned(),
                why: e.to_string(),
            })?;
        let mut first_refusal = None;
        let allowed: Vec<IpAddr> = found
            .into_iter()
            .filter(|&ip| match self.guard.check_ip(ip) {
                Ok(()) => true,
                Err(refusal) => {
                    first_refusal.get_or_insert(refusal);
                    false
                }
            })
            .collect();
        if allowed.is_empty() {
            return Err(match first_refusal {
                Some(refusal) => Refused::Resolved {
                    host: host.to_owned(),
                    first: refusal.to_string(),
                },
                None => Refused::Unresolved {
                    host: host.to_owned(),
                    why: "no address".to_owned(),
                },
            });
        }
        Ok(allowed)
    }

    /// The refusal of `host` if, as far as an answer within `limit` tells, it resolves now
    /// only to addresses webhooks may not reach. A name that does not resolve, or not in time,
    /// is not refused: the sender checks it again at every connection.
    pub async fn refusal_now(&self, host: &str, limit: std::time::Duration) -> Option<Refused> {
        match tokio::time::timeout(limit, self.resolve_host(host)).await {
            Ok(Err(refused @ Refused::Resolved { .. })) => Some(refused),
            _ => None,
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let ips = this.resolve_host(name.as_str()).await?;
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The guard's refusal in an error's source chain, if that is what failed.
pub fn refusal_in<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e Refused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused);
        }
        cause = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    fn refused(guard: &Guard, url: &str) -> Option<String> {
        guard.check_url(url).err().map(|e| e.to_string())
    }

    #[test]
    fn addresses_in_urls_are_refused_in_every_spelling() {
        let guard = Guard {
            allow: vec![],
            allow_http: true,
        };
        for url in [
            "http://127.0.0.1/",
            "http://[::1]/",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://017700000001/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a00:1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://192.0.2.10/",
            "http://198.51.100.7/",
            "http://203.0.113.9/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[2001:db8::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[::]/",
        ] {
            assert!(refused(&guard, url).is_some(), "{url} must be refused");
        }
        for url in [
            "http://8.8.8.8/",
            "https://93.184.215.14/hook",
            "https://[2606:4700::1111]/",
            "https://hooks.example.com/x",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
        ] {
            assert_eq!(refused(&guard, url), None, "{url} is public");
        }
        let message = refused(&guard, "http://0x7f.1/").unwrap_or_default();
        assert_eq!(
            message,
            "127.0.0.1 is a loopback address, which webhooks may not reach"
        );
    }

    #[test]
    fn schemes() {
        let strict = Guard::default();
        assert_eq!(
            refused(&strict, "http://example.com/").as_deref(),
            Some("must use https")
        );
        assert_eq!(refused(&strict, "https://example.com/"), None);
        assert_eq!(
            refused(&strict, "ftp://example.com/").as_deref(),
            Some("must use https")
        );
        assert_eq!(
            refused(&strict, "not a url").as_deref(),
            Some("is not a valid URL")
        );
        let dev = Guard {
            allow: vec![],
            allow_http: true,
        };
        assert_eq!(refused(&dev, "http://example.com/"), None);
        assert_eq!(
            refused(&dev, "file:///etc/passwd").as_deref(),
            Some("must use https or http")
        );
    }

    #[test]
    fn the_allow_list_lets_ranges_through() {
        let guard = Guard {
            allow: vec![
                "127.0.0.0/8".parse().unwrap_or_else(|_| unreachable!()),
                "::1/128".parse().unwrap_or_else(|_| unreachable!()),
            ],
            allow_http: true,
        };
        assert_eq!(refused(&guard, "http://127.0.0.1:9000/"), None);
        assert_eq!(refused(&guard, "http://[::1]:9000/"), None);
        assert!(refused(&guard, "http://10.0.0.1/").is_some());
    }

    /// A resolver whose answers the test sets, counting lookups.
    struct Fake(Mutex<HashMap<String, Vec<Vec<IpAddr>>>>);

    impl Lookup for Fake {
        fn lookup(
            &self,
            host: String,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
            let answer = self
                .0
                .lock()
                .map(|mut m| {
                    m.get_mut(&host)
                        .and_then(|answers| (!answers.is_empty()).then(|| answers.remove(0)))
                })
                .ok()
                .flatten();
            Box::pin(async move {
                answer.ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such host")
                })
            })
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[tokio::test]
    async fn names_are_checked_at_every_resolution() {
        let answers = HashMap::from([
            ("inside.test".to_owned(), vec![vec![ip("10.1.2.3")]]),
            (
                "mixed.test".to_owned(),
                vec![vec![ip("10.1.2.3"), ip("93.184.215.14")]],
            ),
            // Public when first asked, private when the connection is made.
            (
                "rebind.test".to_owned(),
                vec![vec![ip("93.184.215.14")], vec![ip("169.254.169.254")]],
            ),
        ]);
        let resolver = GuardedResolver::new(
            Arc::new(Guard::default()),
            Arc::new(Fake(Mutex::new(answers))),
        );
        let inside = resolver.resolve_host("inside.test").await;
        assert_eq!(
            inside.err().map(|e| e.to_string()).as_deref(),
            Some(
                "inside.test resolves only to addresses webhooks may not reach (10.1.2.3 is a private address, which webhooks may not reach)"
            )
        );
        assert_eq!(
            resolver.resolve_host("mixed.test").await.ok(),
            Some(vec![ip("93.184.215.14")]),
            "only the public address is handed to the connector"
        );
        assert!(resolver.resolve_host("rebind.test").await.is_ok());
        assert!(
            resolver.resolve_host("rebind.test").await.is_err(),
            "the second answer is checked again"
        );
        assert!(matches!(
            resolver.resolve_host("nowhere.test").await,
            Err(Refused::Unresolved { .. })
        ));
    }

    /// A resolver that never answers.
    struct Silent;

    impl Lookup for Silent {
        fn lookup(
            &self,
            _host: String,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_name_checked_now_is_refused_only_for_an_answer_in_time() {
        let limit = std::time::Duration::from_millis(50);
        let silent = GuardedResolver::new(Arc::new(Guard::default()), Arc::new(Silent));
        assert!(
            silent.refusal_now("slow.test", limit).await.is_none(),
            "a resolver that does not answer in time refuses nothing"
        );
        let answers = HashMap::from([("inside.test".to_owned(), vec![vec![ip("10.1.2.3")]])]);
        let fake = GuardedResolver::new(
            Arc::new(Guard::default()),
            Arc::new(Fake(Mutex::new(answers))),
        );
        assert!(fake.refusal_now("inside.test", limit).await.is_some());
        assert!(fake.refusal_now("nowhere.test", limit).await.is_none());
    }
}
