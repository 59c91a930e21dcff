//! Team names and invite codes.

use rand::Rng as _;

/// Letters and digits that cannot be mistaken for one another.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new invite code: 10 characters (50 bits).
pub(crate) fn invite_code() -> String {
    let mut rng = rand::rng();
    (0..10)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A code as typed: trimmed, upper case, dashes and spaces dropped.
pub(crate) fn normalise_code(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// A team name: 2 to 60 characters once trimmed, inner runs of spaces kept as one.
pub(crate) fn team_name(text: &str) -> Result<String, &'static str> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        2..=60 => Ok(name),
        _ => Err("must be 2 to 60 characters"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let a = invite_code();
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_ne!(a, invite_code());
        assert_eq!(normalise_code(" abcd-efgh 23 "), "ABCDEFGH23");
    }

    #[test]
    fn names() {
        assert_eq!(team_name("  The   Closers "), Ok("The Closers".to_owned()));
        assert!(team_name("x").is_err());
        assert!(team_name(&"x".repeat(61)).is_err());
        assert_eq!(team_name("فريق"), Ok("فريق".to_owned()));
    }
}
