//! `afftok fraud ranges import|list` (DESIGN §11): the imported hosting and VPN ranges, run
//! as the binary against a fresh database, and a control plane's cache seeing a new import.

use std::net::IpAddr;
use std::path::PathBuf;

use afftok_control_plane::fraud::ScoringCache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::cli::afftok;
use crate::helpers::fresh_database;

/// A directory of list files, removed when dropped.
struct Lists(PathBuf);

impl Lists {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("afftok-ranges-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    /// Writes a list file; its path as text.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("list file");
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Lists {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A migrated fresh database: its URL and a pool on it.
async fn database() -> (String, PgPool) {
    let (_, url) = fresh_database().await;
    let (code, out, err) = afftok(&url, &["migrate"], "");
    assert_eq!(code, 0, "{out}{err}");
    let pool = PgPool::connect(&url).await.expect("test database");
    (url, pool)
}

fn import(url: &str, kind: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["fraud", "ranges", "import", "--kind", kind];
    args.extend_from_slice(extra);
    afftok(url, &args, "")
}

/// The stored ranges of a kind, as text, sorted.
async fn stored(pool: &PgPool, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT range::text AS r FROM fraud_ranges WHERE kind = $1 ORDER BY range")
        .bind(kind)
        .fetch_all(pool)
        .await
        .expect("ranges")
}

async fn imports(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM fraud_range_imports")
        .fetch_one(pool)
        .await
        .expect("imports")
}

/// The `list` line of a kind, split at tabs.
fn listed(url: &str, kind: &str) -> Vec<String> {
    let (code, out, err) = afftok(url, &["fraud", "ranges", "list"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("kind\tranges\tipv4\tipv6\timported_at\tskipped\tsources\n"),
        "{out}"
    );
    out.lines()
        .find(|l| l.split('\t').next() == Some(kind))
        .unwrap_or_else(|| panic!("{kind} in {out}"))
        .split('\t')
        .map(str::to_owned)
        .collect()
}

const V4: &str = "# hosting, IPv4\n\
                  203.0.113.0/24\n\
                  203.0.113.128/25   # inside the /24 above\n\
                  198.51.100.7\n\
                  10.1.2.3/8\n\
                  \n\
                  203.0.113.0/24\n";
const V6: &str = "2001:db8::/32\n2001:db8:1::/48\n# end\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fraud_ranges_import_v4_and_v6_then_a_reimport_replaces_only_its_kind() {
    let (url, pool) = database().await;
    let lists = Lists::new();
    let (v4, v6) = (lists.file("dc-v4.txt", V4), lists.file("dc-v6.txt", V6));
    let vpn = lists.file("vpn.txt", "192.0.2.0/24\n2001:db8:ffff::/48\n");

    // Nothing yet.
    assert_eq!(
        listed(&url, "datacenter"),
        ["datacenter", "0", "0", "0", "never", "-", "-"]
    );

    let (code, out, err) = import(&url, "datacenter", &[&v4, &v6]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    assert!(
        out.contains("imported 6 datacenter ranges (4 IPv4, 2 IPv6) from 2 files"),
        "{out}"
    );
    assert!(out.contains("7 range lines (1 duplicate)"), "{out}");
    // Host bits cleared, the duplicate once, nested ranges kept as written.
    assert_eq!(
        stored(&pool, "datacenter").await,
        [
            "10.0.0.0/8",
            "198.51.100.7/32",
            "203.0.113.0/24",
            "203.0.113.128/25",
            "2001:db8::/32",
            "2001:db8:1::/48"
        ]
    );
    let (code, out, err) = import(&url, "vpn", &[&vpn]);
    assert_eq!(code, 0, "{out}{err}");
    let row = listed(&url, "datacenter");
    assert_eq!(row[..4], ["datacenter", "6", "4", "2"]);
    assert!(row[4].ends_with('Z') && row[4].len() == 20, "{row:?}");
    assert_eq!(row[5..], ["0".to_owned(), format!("{v4}, {v6}")]);
    let row = listed(&url, "vpn");
    assert_eq!(row[..4], ["vpn", "2", "1", "1"]);
    assert_eq!(row[5..], ["0".to_owned(), vpn.clone()]);

    // A re-import replaces the kind: the ranges it no longer lists are gone, the other kind
    // is untouched.
    let newer = lists.file("dc-new.txt", "100.64.0.0/10\n203.0.113.0/24\n");
    let (code, out, err) = import(&url, "datacenter", &[&newer]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("imported 2 datacenter ranges (2 IPv4, 0 IPv6) from 1 file:"),
        "{out}"
    );
    assert!(out.contains("6 ranges replaced"), "{out}");
    assert_eq!(
        stored(&pool, "datacenter").await,
        ["100.64.0.0/10", "203.0.113.0/24"]
    );
    assert_eq!(
        stored(&pool, "vpn").await,
        ["192.0.2.0/24", "2001:db8:ffff::/48"]
    );
    assert_eq!(
        listed(&url, "datacenter")[..4],
        ["datacenter", "2", "2", "0"]
    );
    assert_eq!(listed(&url, "datacenter")[6], newer);
    assert_eq!(imports(&pool).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fraud_ranges_a_bad_line_refuses_the_whole_import_unless_skipped() {
    let (url, pool) = database().await;
    let lists = Lists::new();
    let good = lists.file("good.txt", V4);
    let (code, out, err) = import(&url, "datacenter", &[&good]);
    assert_eq!(code, 0, "{out}{err}");
    let before = stored(&pool, "datacenter").await;
    let listed_before = listed(&url, "datacenter");

    let other = lists.file("other.txt", "192.0.2.0/24\n");
    let bad = lists.file(
        "bad.txt",
        "# two bad lines\n192.0.2.0/24\n10.0.0.0/33\n\n2001:db8::/32 AS64496\nhost.example\n",
    );
    let (code, out, err) = import(&url, "datacenter", &[&other, &bad]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    let reported: Vec<&str> = err.lines().collect();
    assert_eq!(
        reported[..3],
        [
            format!("{bad}:3: the prefix length is more than 32: 10.0.0.0/33"),
            format!("{bad}:5: text after the range: 2001:db8::/32 AS64496"),
            format!("{bad}:6: not an IPv4 or IPv6 address: host.example"),
        ]
    );
    assert!(
        reported[3].contains("3 bad lines") && reported[3].contains("nothing imported"),
        "{err}"
    );
    // Nothing changed: the previous import of the kind is kept.
    assert_eq!(stored(&pool, "datacenter").await, before);
    assert_eq!(listed(&url, "datacenter"), listed_before);
    assert_eq!(imports(&pool).await, 1);

    // An unreadable file is named, and nothing is imported either.
    let missing = lists.path("missing.txt");
    let (code, _, err) = import(&url, "datacenter", &[&other, &missing]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("cannot read {missing}")), "{err}");
    // Nor from files with no range at all.
    let empty = lists.file("empty.txt", "# nothing here\n\n");
    let (code, _, err) = import(&url, "datacenter", &[&empty]);
    assert_eq!(code, 1);
    assert!(err.contains("no range in"), "{err}");
    // An unknown kind is refused before anything is read.
    let (code, _, err) = import(&url, "hosting", &[&other]);
    assert_eq!(code, 2);
    assert!(err.contains("not one of datacenter, vpn"), "{err}");
    assert_eq!(stored(&pool, "datacenter").await, before);
    assert_eq!(imports(&pool).await, 1);

    // --skip-invalid: reported, skipped, recorded.
    let (code, out, err) = import(&url, "datacenter", &["--skip-invalid", &other, &bad]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        out.contains("imported 1 datacenter range (1 IPv4, 0 IPv6)"),
        "{out}"
    );
    assert!(out.contains("3 bad lines skipped"), "{out}");
    assert_eq!(stored(&pool, "datacenter").await, ["192.0.2.0/24"]);
    let row = listed(&url, "datacenter");
    assert_eq!(row[..4], ["datacenter", "1", "1", "0"]);
    assert_eq!(row[5..], ["3".to_owned(), format!("{other}, {bad}")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fraud_ranges_a_cache_loaded_before_an_import_sees_it() {
    let (url, pool) = database().await;
    let lists = Lists::new();
    let ip = |s: &str| s.parse::<IpAddr>().expect(s);
    let cache = ScoringCache::default();
    let held = cache.fresh(&pool).await.expect("loads");
    let before = &held.ranges;
    assert_eq!(before.generation, 0);
    assert!(!before.datacenter.contains(ip("203.0.113.9")));

    let dc = lists.file("dc.txt", V4);
    let (code, out, err) = import(&url, "datacenter", &[&dc]);
    assert_eq!(code, 0, "{out}{err}");
    let held = cache.fresh(&pool).await.expect("reloads");
    let after = &held.ranges;
    assert_eq!(after.generation, 1);
    assert!(after.datacenter.contains(ip("203.0.113.9")));
    assert!(after.datacenter.contains(ip("10.200.0.1")));
    assert!(!after.vpn.contains(ip("203.0.113.9")));
    assert!(std::sync::Arc::ptr_eq(
        &held,
        &cache.fresh(&pool).await.expect("held")
    ));

    let vpn = lists.file("vpn.txt", "2001:db8::/32\n");
    let (code, out, err) = import(&url, "vpn", &[&vpn]);
    assert_eq!(code, 0, "{out}{err}");
    let held = cache.fresh(&pool).await.expect("reloads");
    let latest = &held.ranges;
    assert_eq!(latest.generation, 2);
    assert!(latest.vpn.contains(ip("2001:db8::42")));
    assert!(latest.datacenter.contains(ip("203.0.113.9")), "kept");
}
