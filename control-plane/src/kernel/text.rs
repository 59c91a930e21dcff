//! Free text from clients: control characters (NUL above all, which Postgres refuses in
//! text) are refused up front with a field error instead of failing in the database. Also
//! search text, and the `LIKE` patterns it becomes.

/// Why `value` is not acceptable text; `multiline` allows line breaks and tabs.
pub fn check(value: &str, multiline: bool) -> Result<(), &'static str> {
    let bad = value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        Err(if multiline {
            "must not contain control characters other than line breaks and tabs"
        } else {
            "must not contain control characters"
        })
    } else {
        Ok(())
    }
}

/// Longest search text (`q`), in characters after trimming.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A search parameter (`q`) trimmed, or why it is not acceptable: 1 to 100 characters
/// after trimming, no control characters.
pub fn search(value: &str) -> Result<&str, &'static str> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_SEARCH_CHARS {
        return Err("must be 1 to 100 characters");
    }
    check(value, false)?;
    Ok(value)
}

/// A `LIKE`/`ILIKE` pattern matching any text that contains `needle` as it is: `%`, `_` and
/// the escape character `\` in it match themselves (the pattern is used with
/// `ESCAPE '\'`, Postgres's default, which the queries spell out).
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::{check, contains_pattern, search};

    #[test]
    fn control_characters() {
        assert!(check("plain text é", false).is_ok());
        assert!(check("a\0b", false).is_err());
        assert!(check("a\0b", true).is_err());
        assert!(check("line\nbreak", false).is_err());
        assert!(check("line\nbreak\ttab", true).is_ok());
        assert!(check("bell\u{7}", true).is_err());
    }

    #[test]
    fn search_text() {
        assert_eq!(search("  spring sale "), Ok("spring sale"));
        assert!(search("").is_err());
        assert!(search("   ").is_err());
        assert!(search(&"é".repeat(100)).is_ok());
        assert!(search(&"é".repeat(101)).is_err());
        assert!(search("a\u{1}b").is_err());
        assert!(search("a\tb").is_err());
    }

    #[test]
    fn like_metacharacters_match_themselves() {
        assert_eq!(contains_pattern("sale"), "%sale%");
        assert_eq!(contains_pattern("50%"), "%50\\%%");
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("C:\\x"), "%C:\\\\x%");
    }
}
