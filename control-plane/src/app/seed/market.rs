//! The demo's marketplace (`AFFTOK_DEV_MARKET=true`, which scripts/dev sets): four more
//! offers of the demo advertiser and two partner promoters sending traffic to them, so that
//! the assistant has something real to say on a new machine. The demo promoter joins one of
//! the offers (two offers to compare by EPC), the partners bring the platform figures the
//! suggestions and the comparisons need (100 clicks an offer over 30 days), and one offer is
//! closed to the demo promoter's main country (left out of its suggestions, and counted).
//!
//! Made through the API like the rest of the demo, and found again by name on the next run.

use serde_json::json;

use super::traffic::{Plan, Shape};
use super::{Env, Failure, NewAccount, Session, approved_offer, log, sign_in_or_up};
use crate::accounts::Role;
use crate::app::seed::client::Client;

/// Who sends a stream of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sender {
    /// The demo promoter.
    Demo,
    /// A partner promoter, by number (1 or 2).
    Partner(usize),
}

/// An offer of the market and who sends it traffic.
struct MarketOffer {
    name: &'static str,
    category: &'static str,
    payout: &'static str,
    geo_allow: &'static [&'static str],
    streams: &'static [(Sender, Shape)],
}

const GULF: &[&str] = &["SA", "SA", "AE", "AE", "EG", "US", "GB"];
const WEST: &[&str] = &["US", "US", "GB", "DE"];

const fn shape(
    base_clicks: u64,
    conversion_percent: u64,
    countries: &'static [&'static str],
) -> Shape {
    Shape {
        base_clicks,
        conversion_percent,
        countries,
        fraud: false,
    }
}

const OFFERS: [MarketOffer; 4] = [
    // Joined by the demo promoter: its second offer, converting better than the first.
    MarketOffer {
        name: "Demo Sneakers",
        category: "shopping",
        payout: "4.00",
        geo_allow: &[],
        streams: &[
            (Sender::Demo, shape(10, 10, GULF)),
            (Sender::Partner(1), shape(12, 6, GULF)),
        ],
    },
    // Not joined, in the category the demo converts in, open everywhere: the best fit.
    MarketOffer {
        name: "Demo Fashion Week",
        category: "shopping",
        payout: "3.00",
        geo_allow: &[],
        streams: &[
            (Sender::Partner(1), shape(14, 8, GULF)),
            (Sender::Partner(2), shape(8, 5, GULF)),
        ],
    },
    // Not joined, another category.
    MarketOffer {
        name: "Demo Mobile Game",
        category: "games",
        payout: "1.20",
        geo_allow: &[],
        streams: &[(Sender::Partner(2), shape(20, 4, GULF))],
    },
    // Not joined and closed to Saudi Arabia, the demo promoter's main country: left out.
    MarketOffer {
        name: "Demo Travel Deals",
        category: "travel",
        payout: "12.00",
        geo_allow: &["US", "GB", "DE"],
        streams: &[(Sender::Partner(1), shape(10, 3, WEST))],
    },
];

/// A partner's email: the demo promoter's with `partner{n}-` before it.
fn partner_email(promoter_email: &str, n: usize) -> String {
    format!("partner{n}-{promoter_email}")
}

/// Makes sure the market's offers (approved), partners and links exist; returns the plans of
/// its traffic, one per (offer, promoter), their days left for the caller to set.
pub(super) async fn plans<F: Fn(&str) -> Option<String>>(
    client: &Client,
    env: &Env<F>,
    advertiser: &Session,
    advertiser_id: i64,
    admin: &str,
    promoter: &Session,
) -> Result<Vec<Plan>, Failure> {
    let promoter_email = env.required("AFFTOK_DEV_PROMOTER_EMAIL")?;
    let promoter_password = env.required("AFFTOK_DEV_PROMOTER_PASSWORD")?;
    let offer_url = env.raw("AFFTOK_DEV_OFFER_URL");
    let mut partners = Vec::new();
    for n in 1..=2 {
        let email = partner_email(&promoter_email, n);
        let password = format!("{promoter_password}-partner{n}");
        let name = format!("Demo Partner {n}");
        partners.push(
            sign_in_or_up(
                client,
                &NewAccount {
                    role: Role::Promoter,
                    email: &email,
                    password: &password,
                    display_name: &name,
                    company: None,
                },
            )
            .await?,
        );
    }
    let mut plans = Vec::new();
    for o in &OFFERS {
        let body = json!({
            "name": o.name,
            "description": format!("Created by scripts/dev: a {} offer of the demo marketplace.", o.category),
            "category": o.category,
            "url_template": offer_url,
            "fallback_url": "https://example.com/",
            "payout_model": "cpa",
            "payout_amount": o.payout,
            "currency": "USD",
            "geo_allow": o.geo_allow,
        });
        let offer = approved_offer(client, &advertiser.access_token, admin, &body).await?;
        for (sender, shape) in o.streams {
            let who = match sender {
                Sender::Demo => promoter,
                Sender::Partner(n) => &partners[n - 1],
            };
            let joined = client.join(&who.access_token, offer.id).await?;
            plans.push(Plan {
                offer_id: offer.id,
                promoter_id: who.user.id,
                kid: joined.link.kid,
                advertiser_id,
                first_day: time::Date::MIN,
                last_day: time::Date::MIN,
                shape: *shape,
            });
        }
    }
    log(&format!(
        "the marketplace: {} more offers, 2 partners, {} streams of traffic",
        OFFERS.len(),
        plans.len()
    ));
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_market_has_what_the_assistant_needs() {
        // The demo promoter joins one offer; at least one is closed to its main country.
        let joined: Vec<&str> = OFFERS
            .iter()
            .filter(|o| o.streams.iter().any(|(s, _)| *s == Sender::Demo))
            .map(|o| o.name)
            .collect();
        assert_eq!(joined, ["Demo Sneakers"]);
        assert!(
            OFFERS
                .iter()
                .any(|o| !o.geo_allow.is_empty() && !o.geo_allow.contains(&"SA"))
        );
        assert_eq!(partner_email("pat@demo.test", 2), "partner2-pat@demo.test");
    }
}
