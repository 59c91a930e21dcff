//! `/docs`: Swagger UI over `/openapi.json`, from files embedded in the binary (the
//! `utoipa-swagger-ui` crate, fed by `utoipa-swagger-ui-vendored` from crates.io at build
//! time), so the page works without reaching any other host.

use std::sync::{Arc, LazyLock};

use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa_swagger_ui::Config;

use crate::http::extract::Path;
use crate::kernel::error::ApiError;

/// Swagger UI's settings, written into its `swagger-initializer.js`.
static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["/openapi.json"])
            // "none": no badge fetched from validator.swagger.io (nothing leaves the page).
            .validator_url("none")
            .persist_authorization(true)
            .display_request_duration(true)
            .filter(true),
    )
});

/// `GET /docs` and `/docs/`: Swagger UI's page. Its files are referenced relatively, so a
/// `<base>` pins them under `/docs/` whichever of the two was asked for.
pub(super) async fn page() -> Result<Response, ApiError> {
    let (content_type, bytes) = swagger_file("index.html")?;
    let html =
        String::from_utf8_lossy(&bytes).replacen("<head>", "<head>\n    <base href=\"/docs/\">", 1);
    Ok(answer(content_type, html.into_bytes()))
}

/// `GET /docs/{file}`: one of Swagger UI's files.
pub(super) async fn file(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (content_type, bytes) = swagger_file(&file)?;
    Ok(answer(content_type, bytes))
}

/// A file of Swagger UI's build (looked up in the embedded set: no file system access),
/// with its content type.
fn swagger_file(file: &str) -> Result<(HeaderValue, Vec<u8>), ApiError> {
    let found = utoipa_swagger_ui::serve(file, CONFIG.clone())
        .map_err(|e| ApiError::internal(format!("swagger ui {file}: {e}")))?
        .ok_or(ApiError::NotFound("file"))?;
    let content_type = HeaderValue::from_str(&found.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((content_type, found.bytes.into_owned()))
}

fn answer(content_type: HeaderValue, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            // The files change only with the binary; revalidate so an upgrade shows at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes,
    )
        .into_response()
}
