//! Destination macros (DESIGN §4): `{click_id}` `{offer_id}` `{promoter_id}` `{sub1}`…`{sub5}`
//! `{country}` `{ts}` filled with percent-encoded values; unknown `{…}` left as they are.

use afftok_shared::{Country, Subs};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

/// Everything but RFC 3986 unreserved characters is encoded in macro values.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Literal template text: only what is not printable ASCII (controls, space, non-ASCII).
const LITERAL: &AsciiSet = &CONTROLS.add(b' ');

/// Longest macro name looked for; a longer `{…}` is literal text.
const MAX_NAME: usize = 16;

/// The values a destination template can use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MacroValues<'a> {
    pub(crate) click_id: Uuid,
    pub(crate) offer_id: u64,
    pub(crate) promoter_id: u64,
    pub(crate) subs: &'a Subs,
    pub(crate) country: Option<Country>,
    pub(crate) ts_millis: u64,
}

/// A destination template, parsed once when its KV entry is loaded: the literal text (with
/// characters outside printable ASCII already percent-encoded) and the macros in between,
/// so a click only copies and fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    /// All the literal text, one piece after another.
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `text[start..end]`.
    Literal(usize, usize),
    Macro(Macro),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Macro {
    ClickId,
    OfferId,
    PromoterId,
    Country,
    Ts,
    /// `{sub1}`…`{sub5}`.
    Sub(usize),
}

impl Macro {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "click_id" => Self::ClickId,
            "offer_id" => Self::OfferId,
            "promoter_id" => Self::PromoterId,
            "country" => Self::Country,
            "ts" => Self::Ts,
            "sub1" => Self::Sub(1),
            "sub2" => Self::Sub(2),
            "sub3" => Self::Sub(3),
            "sub4" => Self::Sub(4),
            "sub5" => Self::Sub(5),
            _ => return None,
        })
    }
}

impl Template {
    /// Splits `template` into literal text and macros; unknown or overlong `{…}` stay text.
    pub(crate) fn parse(template: &str) -> Self {
        let mut t = Self {
            text: String::with_capacity(template.len()),
            parts: Vec::new(),
        };
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            t.literal(&rest[..open]);
            let after = &rest[open + 1..];
            let found = after
                .find('}')
                .filter(|&close| close <= MAX_NAME)
                .and_then(|close| Macro::named(&after[..close]).map(|m| (m, close)));
            match found {
                Some((m, close)) => {
                    t.parts.push(Part::Macro(m));
                    rest = &after[close + 1..];
                }
                None => {
                    t.literal("{");
                    rest = after;
                }
            }
        }
        t.literal(rest);
        t
    }

    fn literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        push_literal(&mut self.text, text);
        match self.parts.last_mut() {
            // Next to the previous piece of text: one piece.
            Some(Part::Literal(_, end)) if *end == start => *end = self.text.len(),
            _ => self.parts.push(Part::Literal(start, self.text.len())),
        }
    }

    /// The URL for one click.
    pub(crate) fn fill(&self, values: &MacroValues<'_>) -> String {
        let mut out = String::with_capacity(self.text.len() + 64);
        for part in &self.parts {
            match *part {
                Part::Literal(start, end) => out.push_str(&self.text[start..end]),
                Part::Macro(m) => push_value(&mut out, m, values),
            }
        }
        out
    }
}

/// Fills `template`'s macros. Literal characters outside printable ASCII are percent-encoded
/// too, so the result is always a valid `Location` header value.
#[cfg(test)]
pub(crate) fn fill(template: &str, values: &MacroValues<'_>) -> String {
    Template::parse(template).fill(values)
}

fn push_literal(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, LITERAL));
}

/// Appends the value of a macro.
fn push_value(out: &mut String, m: Macro, v: &MacroValues<'_>) {
    match m {
        Macro::ClickId => {
            let mut buf = Uuid::encode_buffer();
            out.push_str(v.click_id.hyphenated().encode_lower(&mut buf));
        }
        Macro::OfferId => push_number(out, v.offer_id),
        Macro::PromoterId => push_number(out, v.promoter_id),
        Macro::Ts => push_number(out, v.ts_millis),
        Macro::Country => {
            if let Some(country) = v.country {
                out.push_str(country.as_str());
            }
        }
        Macro::Sub(n) => {
            if let Some(sub) = v.subs.get(n) {
                out.extend(utf8_percent_encode(sub, VALUE));
            }
        }
    }
}

/// `n` in decimal, without the formatting machinery (the hot path fills two or three).
fn push_number(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;

    use super::*;

    fn values(subs: &Subs) -> MacroValues<'_> {
        MacroValues {
            click_id: Uuid::parse_str("019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10").unwrap_or_default(),
            offer_id: 42,
            promoter_id: 1001,
            subs,
            country: Country::parse("US").ok(),
            ts_millis: 1_795_559_486_123,
        }
    }

    #[test]
    fn fills_every_macro() {
        let mut subs = Subs::default();
        subs.set_first(1, "tik tok&x=1");
        subs.set_first(5, "ünï/ç~._-");
        let url = fill(
            "https://shop.example/p?c={click_id}&o={offer_id}&p={promoter_id}&s1={sub1}&s2={sub2}&s5={sub5}&cc={country}&t={ts}",
            &values(&subs),
        );
        assert_eq!(
            url,
            "https://shop.example/p?c=019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10&o=42&p=1001\
             &s1=tik%20tok%26x%3D1&s2=&s5=%C3%BCn%C3%AF%2F%C3%A7~._-&cc=US&t=1795559486123"
        );
    }

    #[test]
    fn unknown_and_broken_macros_stay_literal() {
        let subs = Subs::default();
        let v = values(&subs);
        assert_eq!(
            fill("https://a.example/{unknown}/{offer_id}", &v),
            "https://a.example/{unknown}/42"
        );
        assert_eq!(
            fill("https://a.example/{offer_id", &v),
            "https://a.example/{offer_id"
        );
        assert_eq!(
            fill("https://a.example/{{offer_id}}", &v),
            "https://a.example/{42}"
        );
        assert_eq!(fill("https://a.example/}{", &v), "https://a.example/}{");
        let long = format!("https://a.example/{{{}}}", "x".repeat(40));
        assert_eq!(fill(&long, &v), long);
    }

    /// The filling as it was done before templates were parsed once: the oracle.
    fn fill_directly(template: &str, values: &MacroValues<'_>) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            push_literal(&mut out, &rest[..open]);
            let after = &rest[open + 1..];
            let name = after
                .find('}')
                .filter(|&close| close <= MAX_NAME)
                .map(|close| &after[..close]);
            match name.and_then(|name| Macro::named(name).map(|m| (m, name))) {
                Some((m, name)) => {
                    push_value(&mut out, m, values);
                    rest = &after[name.len() + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        push_literal(&mut out, rest);
        out
    }

    proptest::proptest! {
        #[test]
        fn parsed_templates_fill_like_the_text(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-z/?&=:.é ]{0,6}",
                    proptest::sample::select(vec![
                        "{", "}", "{{", "{click_id}", "{offer_id}", "{promoter_id}", "{sub1}",
                        "{sub2}", "{sub5}", "{sub6}", "{country}", "{ts}", "{unknown}",
                        "{averyveryverylongname}",
                    ]).prop_map(str::to_owned),
                ],
                0..12,
            ),
            sub in "\\PC{0,8}",
        ) {
            let template: String = pieces.concat();
            let mut subs = Subs::default();
            subs.set_first(1, &sub);
            let v = values(&subs);
            proptest::prop_assert_eq!(fill(&template, &v), fill_directly(&template, &v));
        }
    }

    #[test]
    fn unknown_country_is_empty() {
        let subs = Subs::default();
        let v = MacroValues {
            country: None,
            ..values(&subs)
        };
        assert_eq!(
            fill("https://a.example/?c={country}&x", &v),
            "https://a.example/?c=&x"
        );
    }

    #[test]
    fn non_ascii_literals_are_encoded() {
        let subs = Subs::default();
        assert_eq!(
            fill("https://a.example/café?q=ü", &values(&subs)),
            "https://a.example/caf%C3%A9?q=%C3%BC"
        );
        assert_eq!(
            fill("https://a.example/a b\t\u{7f}?q=~!\"%", &values(&subs)),
            "https://a.example/a%20b%09%7F?q=~!\"%"
        );
    }
}
