//! The HTTP API: one router per area, merged here with the middleware every request goes
//! through (request ids, tracing, metrics, body limit, rate limits, error logging) and the
//! OpenAPI document they all contribute to. Paths no route matches go to the web app
//! ([`crate::web`]), which answers the API's own unknown paths with a problem 404.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::startup::AppState;
use crate::kernel::error::{ApiError, InternalCause};

/// CSV answers.
pub mod csv;
/// Bodies and queries read into request types, every fault listed in our words.
pub mod decode;
/// `/docs`: Swagger UI, embedded.
mod docs;
/// Problem-answering extractors and authentication.
pub mod extract;
/// Health checks.
pub mod health;
/// `Idempotency-Key` for POST routes.
pub mod idempotency;
/// OpenAPI links from creations to the created object's operations.
mod links;
/// Prometheus metrics.
pub mod metrics;
/// Rate limits.
pub mod rate_limit;

#[derive(OpenApi)]
#[openapi(
    info(title = "AffTok API", description = "The AffTok control plane: accounts, API keys, offers and their review, the marketplace and tracking links, conversions, clicks and stats, fraud insights and review. Errors are application/problem+json (RFC 9457) with a stable `code`."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "api-keys", description = "Keys for servers"),
        (name = "offers", description = "Advertisers' offers and their workflow"),
        (name = "admin", description = "Offer review, users"),
        (name = "marketplace", description = "Approved offers for promoters"),
        (name = "links", description = "Promoters' tracking links"),
        (name = "conversions", description = "Conversions: report, list, review, reverse"),
        (name = "clicks", description = "The click log"),
        (name = "stats", description = "Stats and live counters"),
        (name = "postback-keys", description = "Advertisers' postback keys"),
        (name = "fraud", description = "Fraud insights, the review queue, suspensions"),
        (name = "webhooks", description = "Webhook endpoints, their delivery logs and redelivery (the payloads are under `webhooks`)"),
        (name = "programme", description = "Points and levels"),
        (name = "teams", description = "Promoters' teams"),
        (name = "leaderboards", description = "Promoters and teams ranked by points"),
        (name = "contests", description = "Contests: made by admins and advertisers, entered by promoters and teams; live standings, frozen results"),
        (name = "assistant", description = "Insights from the caller's own numbers: overview, offers to join, analysis, tips (English and Arabic)"),
        (name = "promoter-postbacks", description = "Promoters' postback URLs, fired on approved (and reversed) conversions"),
        (name = "assistant-chat", description = "The assistant's bring-your-own-key chat: the stored provider, the chat as server-sent events"),
        (name = "ingest", description = "Event batches from the edges (signed)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from /v1/auth/login, or an API key (afk_live_…)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().split_for_parts().1;
    finish(&mut doc);
    doc
}

/// What the routes' annotations do not say: unique operation ids, the webhooks' payloads,
/// the links from each creation to its object's operations.
fn finish(doc: &mut utoipa::openapi::OpenApi) {
    name_operations(doc);
    crate::webhooks::payloads::describe(doc);
    links::link_creations(doc);
}

/// Operation ids are the handlers' names, and several features name theirs `list`, `create`
/// or `get`: client generators keep one operation per id, so each id is prefixed with the
/// operation's tag (`offers_list`, `api_keys_create`), unique across the document.
fn name_operations(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .map(|t| t.replace('-', "_"));
            if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut())
                && !id.starts_with(&format!("{tag}_"))
            {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::accounts::public_router())
        .merge(crate::accounts::router())
        .merge(crate::offers::router())
        .merge(crate::links::router())
        .merge(crate::conversions::router())
        .merge(crate::tracking::router())
        .merge(crate::stats::router())
        .merge(crate::fraud::router())
        .merge(crate::webhooks::router())
        .merge(crate::programme::router())
        .merge(crate::sandbox::router())
        .merge(crate::assistant::router())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (api, mut doc) = api_router().split_for_parts();
    finish(&mut doc);
    let doc_json = doc.to_pretty_json().unwrap_or_default();

    // Rate limits: credential endpoints (and those that take a mailed token or send a mail
    // to an address) per IP, everything else under /v1 per caller.
    let api = api.layer(middleware::from_fn_with_state(
        state.clone(),
        route_rate_limits,
    ));

    // Everything the API's routes do not match: the web app, or a problem 404 under the
    // API's own paths.
    let web = crate::web::Web::new(&state.settings.web);

    Router::new()
        .merge(api)
        .route("/openapi.json", get(move || async move {
            ([(axum::http::header::CONTENT_TYPE, "application/json")], doc_json.clone())
        }))
        .route("/docs", get(docs::page))
        .route("/docs/", get(docs::page))
        .route("/docs/{*file}", get(docs::file))
        .route("/metrics", get(metrics::exposition))
        .fallback(move |req: Request| {
            let web = web.clone();
            async move { web.answer(req).await }
        })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(state.clone(), metrics::record))
        // A panic is a bug, but still answers a problem document (and is logged below).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_answer))
        .layer(middleware::from_fn(log_internal_errors))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

async fn route_rate_limits(
    state: axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    // Routes that take a password or a refresh token, per client IP. Logout and
    // logout-all end sessions rather than start them: they stay under the caller's API
    // limit (logout-all is authenticated, so per user).
    if matches!(
        path,
        "/v1/auth/login"
            | "/v1/auth/register"
            | "/v1/auth/refresh"
            | "/v1/auth/password/change"
            | "/v1/auth/email/verify"
            | "/v1/auth/password/forgot"
            | "/v1/auth/password/reset"
    ) {
        rate_limit::limit_auth(state, req, next).await
    } else if path.starts_with("/v1/") {
        rate_limit::limit_api(state, req, next).await
    } else {
        next.run(req).await
    }
}

fn panic_answer(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    axum::response::IntoResponse::into_response(ApiError::internal(format!("panic: {cause}")))
}

/// Logs the cause of every 500 (the answer itself stays opaque).
pub async fn log_internal_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%method, %path, cause = %cause, "internal error");
    }
    response
}
