//! Free text from clients: control characters (NUL above all, which Postgres refuses in
//! text) are refused up front with a field error instead of failing in the database.

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

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn control_characters() {
        assert!(check("plain text é", false).is_ok());
        assert!(check("a\0b", false).is_err());
        assert!(check("a\0b", true).is_err());
        assert!(check("line\nbreak", false).is_err());
        assert!(check("line\nbreak\ttab", true).is_ok());
        assert!(check("bell\u{7}", true).is_err());
    }
}
