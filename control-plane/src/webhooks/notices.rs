//! Telling an endpoint's owner it was disabled: a consumer of `webhook_endpoint.disabled`
//! that mails the person who made the endpoint (through the accounts' mail outbox, in the
//! transaction that moves its position, so each notice goes once).

use sqlx::PgConnection;

use crate::app::AppState;
use crate::events::catalogue::EndpointDisabled;
use crate::events::{Consumer, ConsumerError, EventKind, Handled, StoredEvent};
use crate::kernel::UserId;

/// The notices consumer (position `webhook_notices`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DisabledNotices;

impl Consumer for DisabledNotices {
    fn name(&self) -> &'static str {
        "webhook_notices"
    }

    fn handle<'a>(
        &'a self,
        state: &'a AppState,
        conn: &'a mut PgConnection,
        events: &'a [StoredEvent],
    ) -> Handled<'a> {
        Box::pin(async move {
            for e in events
                .iter()
                .filter(|e| e.kind == EventKind::WebhookEndpointDisabled)
            {
                notify(state, conn, &e.payload::<EndpointDisabled>()?).await?;
            }
            Ok(())
        })
    }
}

async fn notify(
    state: &AppState,
    conn: &mut PgConnection,
    d: &EndpointDisabled,
) -> Result<(), ConsumerError> {
    // The endpoint may be gone already (deleted by its owner): nothing to tell then.
    let Some(row) = sqlx::query!(
        "SELECT url, created_by FROM webhook_endpoints WHERE id = $1",
        d.endpoint_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(());
    };
    let Some(owner) = row.created_by else {
        return Ok(());
    };
    let what = if d.kind == "postback" {
        "postback"
    } else {
        "webhook endpoint"
    };
    let why = if d.reason == "gone" {
        "it answered 410 Gone, which asks us to stop".to_owned()
    } else {
        let days = state.settings.webhooks.disable_after.as_secs() / 86_400;
        format!("every delivery to it has failed for {days} days")
    };
    let subject = format!("AffTok: your {what} was disabled");
    let page = if d.kind == "postback" {
        "postbacks"
    } else {
        "webhooks"
    };
    let link = format!("{}/{page}", state.settings.public_url);
    crate::accounts::enqueue_notice(conn, UserId(owner), &subject, |name| {
        format!(
            "Hello {name},\n\nWe stopped sending to your {what} {url} because {why}.\n\
             Messages made meanwhile are kept: enable it again once it answers, and they go out.\n\n\
             {link}\n",
            url = row.url,
        )
    })
    .await?;
    Ok(())
}
