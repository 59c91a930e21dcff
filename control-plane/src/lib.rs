//! The AffTok control plane: the API service and the `afftok` CLI.
//!
//! # Layout
//!
//! The crate is laid out by feature. Each feature is a folder whose `mod.rs` says what the
//! other features may call; its `http` (routes), `db` (Postgres) and `rules` (decisions
//! without I/O) modules are private to it, so the compiler keeps one feature out of
//! another's queries and handlers.
//!
//! - [`app`]: settings, logging, start-up and the shared state, the background jobs under
//!   one stop signal, the `afftok` command line.
//! - [`kernel`]: what every feature shares: the error type and its problem documents, the
//!   tenant, pagination cursors, text checks, money, shared wire values, encryption at rest.
//! - [`http`]: router assembly, OpenAPI, middleware (request ids, metrics, rate limits,
//!   error logging) and the extractors (auth, JSON, client IP) every feature's routes use.
//! - [`events`]: domain events, written in the transaction that makes a change and handed
//!   after commit to consumers that keep their own position.
//! - the features: [`accounts`], [`offers`], [`links`], [`tracking`] (ingest),
//!   [`conversions`] (attribution), [`stats`], [`edge_push`].

/// Users, sessions, API keys and the principal of a request.
pub mod accounts;
/// Running the service: settings, start-up, jobs, the CLI.
pub mod app;
/// Conversions: attribution, review, reversal; postback keys.
pub mod conversions;
/// Pushing keys, offer routes and postback keys to the edges' KV.
pub mod edge_push;
/// Domain events and their dispatcher.
pub mod events;
/// Router, OpenAPI, middleware and extractors.
pub mod http;
/// Shared building blocks: errors, tenant, pagination, text.
pub mod kernel;
/// Tracking links and their signing keys.
pub mod links;
/// Offers, their review and the marketplace.
pub mod offers;
/// Stats rollups and live counters.
pub mod stats;
/// Events from the edges: ingest, the stream consumer, the click log.
pub mod tracking;

#[cfg(test)]
mod layout {
    //! The layout's rule, checked: features depend on each other without circles (`app` and
    //! `http` assemble them and may use any; `kernel` and `events` use none).

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    const FEATURES: [&str; 9] = [
        "accounts",
        "offers",
        "links",
        "tracking",
        "conversions",
        "stats",
        "edge_push",
        "events",
        "kernel",
    ];

    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }

    #[test]
    fn features_depend_on_each_other_without_circles() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut uses: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for feature in FEATURES {
            let mut texts = Vec::new();
            sources(&root.join(feature), &mut texts);
            assert!(!texts.is_empty(), "{feature} has sources");
            for other in FEATURES.into_iter().filter(|o| *o != feature) {
                if texts.iter().any(|t| t.contains(&format!("crate::{other}"))) {
                    uses.entry(feature).or_default().insert(other);
                }
            }
        }
        for base in ["kernel", "events"] {
            let used: Vec<_> = uses.get(base).into_iter().flatten().collect();
            assert!(used.iter().all(|u| **u == "kernel"), "{base} uses {used:?}");
        }
        // Depth-first search for a circle.
        fn visit<'a>(
            node: &'a str,
            uses: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            path: &mut Vec<&'a str>,
        ) {
            assert!(!path.contains(&node), "import circle: {path:?} -> {node}");
            path.push(node);
            for next in uses.get(node).into_iter().flatten() {
                visit(next, uses, path);
            }
            path.pop();
        }
        for feature in FEATURES {
            visit(feature, &uses, &mut Vec::new());
        }
    }
}
