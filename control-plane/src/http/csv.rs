//! CSV answers for list endpoints (RFC 4180: quoted when needed, CRLF line ends). Cells
//! starting with `=`, `+`, `-` or `@` are prefixed with `'` so spreadsheets do not run them.

use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::kernel::error::ApiError;

/// Whether the caller asked for CSV (`format=csv` or `Accept: text/csv`).
pub fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::field("format", "must be csv or json")),
        None => Ok(headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))),
    }
}

/// A CSV document being built.
#[derive(Debug)]
pub struct Csv {
    out: String,
}

fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

impl Csv {
    /// A document with this header row.
    pub fn new(columns: &[&str]) -> Self {
        let mut csv = Self { out: String::new() };
        csv.push(columns.iter().copied());
        csv
    }

    fn push<'a>(&mut self, cells: impl Iterator<Item = &'a str>) {
        let line: Vec<String> = cells.map(cell).collect();
        self.out.push_str(&line.join(","));
        self.out.push_str("\r\n");
    }

    /// Adds a row.
    pub fn row(&mut self, cells: &[String]) {
        self.push(cells.iter().map(String::as_str));
    }

    /// The answer, with the next page's cursor in `X-Next-Cursor`.
    pub fn into_response(self, filename: &str, next_cursor: Option<String>) -> Response {
        let mut response = self.out.into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
            headers.insert(CONTENT_DISPOSITION, v);
        }
        if let Some(cursor) = next_cursor.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert("x-next-cursor", cursor);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_formula_guard() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&["plain".into(), "with, comma".into()]);
        csv.row(&["say \"hi\"".into(), "=SUM(A1)".into()]);
        csv.row(&["-1".into(), "line\nbreak".into()]);
        assert_eq!(
            csv.out,
            "a,b\r\nplain,\"with, comma\"\r\n\"say \"\"hi\"\"\",'=SUM(A1)\r\n'-1,\"line\nbreak\"\r\n"
        );
    }
}
