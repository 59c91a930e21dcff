//! The tenant: whose data a query may touch. Every tenant query starts from one.

use crate::kernel::ids::{AdvertiserId, PromoterId};

/// Whose data a caller may see: every tenant query starts from one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenant {
    /// Everything.
    Admin,
    /// One advertiser's offers and data.
    Advertiser(AdvertiserId),
    /// One promoter's links and data.
    Promoter(PromoterId),
}
