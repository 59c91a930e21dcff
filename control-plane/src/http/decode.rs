//! JSON bodies and query strings read into request types, with every field at fault reported
//! in our words (`password: is required`, `role: must be one of promoter, advertiser`), not
//! the framework's or serde's.
//!
//! serde stops at the first fault. To list them all, the input is kept as its top-level
//! fields (a JSON value's raw text, so numbers stay exact; a query's text) and read again
//! after each fault with that field set aside: a field of the wrong shape is removed, and a
//! missing one gets a stand-in (`""`, `0`, `false`, `[]`, `{}`, or an enum's first value)
//! until the rest of the input has been checked. The stand-ins are only ever used to find
//! faults; a request with any fault is refused.
//!
//! A number with a zero fraction (`3.0`) is the integer it equals: the OpenAPI document is
//! JSON Schema 2020-12, whose `integer` admits it, and clients that keep every number as a
//! float (JavaScript's `JSON.stringify` does not, Python's `json.dumps(3.0)` does) send it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_path_to_error::Segment;

use crate::kernel::error::{ApiError, FieldError};

/// Most reads of one input while looking for its faults.
const MAX_ATTEMPTS: usize = 64;

/// Reads a JSON body (already checked to be JSON) into `T`.
pub fn json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let text = &*whole_numbers(text);
    let first = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text));
    let fault = match first {
        Ok(value) => return Ok(value),
        Err(e) => Fault::of(e.path(), &message_of_json(e.inner())),
    };
    // Every request body is an object, whose fields can be set aside one by one.
    let Ok(Pairs(fields)) = serde_json::from_str::<Pairs>(text) else {
        return Err(malformed(
            "invalid_body",
            vec![FieldError::new("", "the body must be a JSON object")],
        ));
    };
    let entries = fields
        .into_iter()
        .map(|(k, v)| (k, v.get().to_owned()))
        .collect();
    let errors = every_fault(
        fault,
        entries,
        &["\"\"", "0", "false", "[]", "{}"],
        |entries| {
            let body = format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_str(&body))
                .err()
                .map(|e| Fault::of(e.path(), &message_of_json(e.inner())))
        },
        |variant| serde_json::Value::from(variant).to_string(),
    );
    Err(malformed("invalid_body", errors))
}

/// Reads a query string into `T`.
pub fn query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let read = |q: &str| {
        serde_path_to_error::deserialize::<_, T>(serde_urlencoded::Deserializer::new(
            form_urlencoded::parse(q.as_bytes()),
        ))
        .map_err(|e| Fault::of(e.path(), &e.inner().to_string()))
    };
    let fault = match read(query) {
        Ok(value) => return Ok(value),
        Err(fault) => fault,
    };
    let entries = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let errors = every_fault(
        fault,
        entries,
        &["", "0", "false"],
        |entries| {
            let q = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(entries)
                .finish();
            read(&q).err()
        },
        str::to_owned,
    );
    Err(malformed("invalid_query", errors))
}

/// `text` (valid JSON) with every number whose fraction is all zeros and that has no
/// exponent (`3.0`, `-12.00`) written as the integer it equals (`3`, `-12`); strings are left
/// as they are. Borrowed when there is none.
fn whole_numbers(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `text` already copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let dot = i;
                if bytes.get(i) != Some(&b'.') {
                    // An integer, or a number with an exponent: as it is.
                    while i < bytes.len()
                        && matches!(bytes[i], b'0'..=b'9' | b'e' | b'E' | b'+' | b'-')
                    {
                        i += 1;
                    }
                    continue;
                }
                i += 1;
                let mut zeros = true;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    zeros &= bytes[i] == b'0';
                    i += 1;
                }
                let exponent = matches!(bytes.get(i), Some(b'e' | b'E'));
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'e' | b'E' | b'+' | b'-')
                {
                    i += 1;
                }
                if zeros && !exponent {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..dot]);
                    copied = i;
                    // `-0.0` is 0.
                    if &text[start..dot] == "-0" {
                        o.truncate(o.len() - 2);
                        o.push('0');
                    }
                }
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// A 400 listing `errors`.
fn malformed(code: &'static str, errors: Vec<FieldError>) -> ApiError {
    ApiError::Malformed { code, errors }
}

/// An object's fields in order, repeats included.
struct Pairs(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    out.push(entry);
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fault {
    /// A required field is absent.
    Missing { field: String },
    /// A field the request does not have.
    Unknown { field: String },
    /// The same field twice.
    Duplicate { field: String },
    /// A field with a value of the wrong shape; `variants` when it names an enum's values.
    Invalid {
        field: String,
        message: String,
        variants: Vec<String>,
    },
    /// The input as a whole.
    Whole { message: String },
}

impl Fault {
    fn of(path: &serde_path_to_error::Path, message: &str) -> Self {
        let mut segments: Vec<String> = Vec::new();
        for segment in path.iter() {
            match segment {
                Segment::Map { key } => segments.push(key.clone()),
                Segment::Seq { index } => match segments.last_mut() {
                    Some(last) => last.push_str(&format!("[{index}]")),
                    None => segments.push(format!("[{index}]")),
                },
                Segment::Enum { variant } => segments.push(variant.clone()),
                Segment::Unknown => segments.push("?".to_owned()),
            }
        }
        let under = |name: &str| {
            // The path may already end at the named field.
            let mut s = segments.clone();
            if s.last().map(String::as_str) == Some(name) {
                s.pop();
            }
            s.push(name.to_owned());
            s.join(".")
        };
        if let Some(name) = quoted_after(message, "missing field ") {
            return Fault::Missing {
                field: under(&name),
            };
        }
        if let Some(name) = quoted_after(message, "unknown field ") {
            return Fault::Unknown {
                field: under(&name),
            };
        }
        if let Some(name) = quoted_after(message, "duplicate field ") {
            return Fault::Duplicate {
                field: under(&name),
            };
        }
        let (message, variants) = in_our_words(message);
        if segments.is_empty() {
            Fault::Whole { message }
        } else {
            Fault::Invalid {
                field: segments.join("."),
                message,
                variants,
            }
        }
    }

    /// The field at fault and what to tell about it.
    fn into_error(self) -> FieldError {
        match self {
            Fault::Missing { field } => FieldError::new(field, "is required"),
            Fault::Unknown { field } => FieldError::new(field, "is not a field of this request"),
            Fault::Duplicate { field } => FieldError::new(field, "is given more than once"),
            Fault::Invalid { field, message, .. } => FieldError::new(field, message),
            Fault::Whole { message } => FieldError::new("", message),
        }
    }

    /// The top-level field the fault is in.
    fn top(&self) -> Option<&str> {
        let field = match self {
            Fault::Missing { field }
            | Fault::Unknown { field }
            | Fault::Duplicate { field }
            | Fault::Invalid { field, .. } => field,
            Fault::Whole { .. } => return None,
        };
        Some(field.split(['.', '[']).next().unwrap_or(field))
    }
}

/// Every fault of an input whose first fault is `first`: each faulty field is reported once,
/// then set aside (removed, or given the next stand-in) and the input read again.
fn every_fault(
    first: Fault,
    mut entries: Vec<(String, String)>,
    stand_ins: &[&str],
    read: impl Fn(&[(String, String)]) -> Option<Fault>,
    variant_value: impl Fn(&str) -> String,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut reported = BTreeSet::new();
    // For each field given a stand-in: the next one to try.
    let mut next_stand_in: BTreeMap<String, usize> = BTreeMap::new();
    let mut fault = Some(first);
    for _ in 0..MAX_ATTEMPTS {
        let Some(f) = fault.take() else { break };
        let Some(top) = f.top().map(str::to_owned) else {
            if errors.is_empty() {
                errors.push(f.into_error());
            }
            break;
        };
        if reported.insert(top.clone()) {
            errors.push(f.clone().into_error());
        }
        let set = |entries: &mut Vec<(String, String)>, value: String| {
            entries.retain(|(k, _)| *k != top);
            entries.push((top.clone(), value));
        };
        let missing_here = matches!(&f, Fault::Missing { field } if *field == top);
        match &f {
            // A stand-in that is not an enum's value: take one the error names.
            Fault::Invalid { variants, .. }
                if next_stand_in.contains_key(&top) && !variants.is_empty() =>
            {
                set(&mut entries, variant_value(&variants[0]));
            }
            // A missing field, or a stand-in refused: the next stand-in.
            _ if missing_here || next_stand_in.contains_key(&top) => {
                let i = next_stand_in.entry(top.clone()).or_insert(0);
                let Some(stand_in) = stand_ins.get(*i) else {
                    break;
                };
                *i += 1;
                set(&mut entries, (*stand_in).to_owned());
            }
            _ => entries.retain(|(k, _)| *k != top),
        }
        fault = read(&entries);
    }
    errors
}

/// The name in backquotes right after `prefix` (serde's `missing field `x``).
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// serde_json's message without its position (the position is of the rewritten input).
fn message_of_json(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => text[..i].to_owned(),
        _ => text,
    }
}

/// A serde message in our words, and the enum values it names.
fn in_our_words(message: &str) -> (String, Vec<String>) {
    if message.starts_with("must ") || message.starts_with("is ") {
        // Our own types' messages.
        return (message.to_owned(), Vec::new());
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        let variants: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        return (format!("must be one of {}", variants.join(", ")), variants);
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((_, expected)) = rest.rsplit_once(", expected ")
        {
            return (format!("must be {}", noun(expected)), Vec::new());
        }
    }
    let known = match message {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "must be a whole number"
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            "is out of range"
        }
        "invalid float literal" => "must be a number",
        "provided string was not `true` or `false`" => "must be true or false",
        _ => "is not valid",
    };
    (known.to_owned(), Vec::new())
}

/// serde's name of an expected type as a client reads it.
fn noun(expected: &str) -> String {
    let range = |lo: &str, hi: &str| format!("a whole number from {lo} to {hi}");
    match expected {
        "a string" | "a borrowed string" | "a character" => "a string".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "i8" => range("-128", "127"),
        "i16" => range("-32768", "32767"),
        "i32" => range("-2147483648", "2147483647"),
        "i64" => range("-9223372036854775808", "9223372036854775807"),
        "u8" => range("0", "255"),
        "u16" => range("0", "65535"),
        "u32" => range("0", "4294967295"),
        "u64" | "usize" => range("0", "18446744073709551615"),
        "f32" | "f64" => "a number".to_owned(),
        "variant identifier" => "a string naming one of the allowed values".to_owned(),
        "unit" => "null".to_owned(),
        e if e.starts_with("a sequence") || e.starts_with("tuple") => "a list".to_owned(),
        e if e.starts_with("a map") || e.starts_with("struct ") => "an object".to_owned(),
        e if e.starts_with("a ") || e.starts_with("an ") => e.to_owned(),
        _ => "of another type".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Role {
        Promoter,
        Advertiser,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Model {
        Cpa,
        Cps,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Request {
        email: String,
        password: String,
        role: Role,
        model: Option<Model>,
        limit: Option<u32>,
        tags: Option<Vec<String>>,
    }

    fn errors(result: Result<Request, ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Malformed { errors, .. }) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("not malformed: {other:?}"),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn every_field_at_fault_in_our_words() {
        let got = errors(json(
            r#"{"role": "boss", "model": "cpm", "limit": -1, "tags": [1], "colour": "red"}"#,
        ));
        assert_eq!(
            got,
            pairs(&[
                ("role", "must be one of promoter, advertiser"),
                ("model", "must be one of cpa, cps"),
                ("limit", "must be a whole number from 0 to 4294967295"),
                ("tags[0]", "must be a string"),
                ("colour", "is not a field of this request"),
                ("email", "is required"),
                ("password", "is required"),
            ])
        );
        let got = errors(json(r#"{"email": 5, "role": "advertiser"}"#));
        assert_eq!(
            got,
            pairs(&[("email", "must be a string"), ("password", "is required")])
        );
        assert_eq!(
            errors(json("[1, 2]")),
            pairs(&[("", "the body must be a JSON object")])
        );
        assert!(json::<Request>(r#"{"email": "a", "password": "b", "role": "promoter"}"#).is_ok());
    }

    #[test]
    fn a_zero_fraction_is_the_integer_it_equals() {
        assert_eq!(
            whole_numbers(
                r#"{"a": 3.0, "b": [-12.00, 1.5, 2e3, 4.0e1], "c": "5.0", "d": "\"6.0", "e": -0.0}"#
            ),
            r#"{"a": 3, "b": [-12, 1.5, 2e3, 4.0e1], "c": "5.0", "d": "\"6.0", "e": 0}"#
        );
        assert!(matches!(
            whole_numbers(r#"{"a": 1, "b": "x.0"}"#),
            Cow::Borrowed(_)
        ));
        let got: Request =
            json(r#"{"email": "a", "password": "b", "role": "promoter", "limit": 3500.0}"#)
                .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(got.limit, Some(3500));
        assert_eq!(
            errors(json::<Request>(
                r#"{"email": "a", "password": "b", "role": "promoter", "limit": 3.5}"#
            )),
            pairs(&[("limit", "must be a whole number from 0 to 4294967295")])
        );
    }

    #[test]
    fn queries_in_the_same_words() {
        let got = match query::<Request>("limit=lots&model=cpm&colour=red") {
            Err(ApiError::Malformed { errors, .. }) => errors
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            got,
            pairs(&[
                ("limit", "must be a whole number"),
                ("model", "must be one of cpa, cps"),
                ("colour", "is not a field of this request"),
                ("email", "is required"),
                ("password", "is required"),
                ("role", "is required"),
            ])
        );
    }
}
