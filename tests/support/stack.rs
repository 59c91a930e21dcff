//! Every piece wired together: the control plane pushing its config to Redis (the native
//! edge's KV) and to the worker's local KV, the native edge, and the worker in workerd whose
//! queue consumer reaches the control plane through a [`Gate`].

use crate::platform::{ControlPlane, Gate, INGEST_SECRET, NativeEdge, Run};
use crate::repo_root;
use crate::wrangler::Worker;

/// The platform, running.
#[derive(Debug)]
pub struct Stack {
    /// The control plane.
    pub cp: ControlPlane,
    /// The Cloudflare worker in workerd.
    pub worker: Worker,
    /// The native edge.
    pub native: NativeEdge,
    /// Between the worker's queue consumer and the control plane.
    pub gate: Gate,
}

impl Stack {
    /// Starts every piece; edges cache KV reads for `cache_secs`, and the control plane runs
    /// with `extra` settings over the test defaults.
    pub async fn start(cache_secs: u64, extra: &[(&str, String)]) -> Self {
        let run = Run::new();
        // The worker needs the control plane's URL and the control plane the worker's KV
        // directory: the gate's URL comes first, and it forwards once the control plane runs.
        let gate = Gate::start().await;
        let worker = Worker::start(
            &[
                ("CONTROL_PLANE_URL", gate.url.clone()),
                ("INGEST_SECRET", INGEST_SECRET.to_owned()),
                ("KV_CACHE_SECS", cache_secs.to_string()),
            ],
            &[],
            |config| {
                assert!(config.contains("retry_delay = 30"), "wrangler.toml changed");
                config.replace("retry_delay = 30", "retry_delay = 1")
            },
        )
        .await;
        let wrangler_bin = repo_root().join("node_modules/.bin/wrangler");
        let mut env = vec![
            ("AFFTOK_EDGE_TARGETS", "redis,wrangler-local".to_owned()),
            ("AFFTOK_WRANGLER_DIR", worker.dir().display().to_string()),
            ("AFFTOK_WRANGLER_CONFIG", "wrangler.toml".to_owned()),
            ("AFFTOK_WRANGLER_PERSIST_TO", "state".to_owned()),
            ("AFFTOK_WRANGLER_BIN", wrangler_bin.display().to_string()),
        ];
        env.extend(extra.iter().cloned());
        let cp = ControlPlane::start(&run, &env).await;
        gate.forward_to(&cp.base);
        let native = NativeEdge::start(&run, cache_secs).await;
        Self {
            cp,
            worker,
            native,
            gate,
        }
    }
}
