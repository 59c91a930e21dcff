//! Every consumer of domain events. A new reaction is one file implementing
//! [`super::Consumer`] in the feature it belongs to, and one line here.

use std::sync::Arc;

use super::Consumer;

/// The consumers this control plane feeds.
pub(super) fn all() -> Vec<Arc<dyn Consumer>> {
    vec![Arc::new(crate::stats::LiveCounters)]
}
