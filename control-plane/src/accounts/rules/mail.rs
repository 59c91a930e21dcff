//! Mailed account tokens and the mails that carry them, without I/O: the token format, its
//! hash, the links, the texts (English, then Arabic), and the pause between sending attempts.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};

/// What a mailed token allows, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenPurpose {
    /// Marks the account's email verified.
    VerifyEmail,
    /// Sets a new password (and ends every session).
    ResetPassword,
}

impl TokenPurpose {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// Longest token looked up: ours are 43 characters; anything much longer is not one of them
/// and is refused without touching the database.
const MAX_TOKEN_LEN: usize = 128;

/// A new token: 32 random bytes, URL-safe base64 (43 characters, safe in a query string).
pub(crate) fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>())
}

/// The SHA-256 stored for a token (the token itself is never stored once mailed), or `None`
/// for text that cannot be one of ours.
pub(crate) fn token_hash(token: &str) -> Option<[u8; 32]> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return None;
    }
    Some(Sha256::digest(token.as_bytes()).into())
}

/// A mail before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailText {
    /// Subject line.
    pub(crate) subject: String,
    /// Plain text body.
    pub(crate) body: String,
}

/// The link of the web app's page for `purpose`: `{public_url}/verify-email?token=…` or
/// `{public_url}/reset-password?token=…`.
pub(crate) fn link(public_url: &str, purpose: TokenPurpose, token: &str) -> String {
    let page = match purpose {
        TokenPurpose::VerifyEmail => "verify-email",
        TokenPurpose::ResetPassword => "reset-password",
    };
    format!("{}/{page}?token={token}", public_url.trim_end_matches('/'))
}

/// The mail asking a new account to confirm its email.
pub(crate) fn verification_mail(display_name: &str, link: &str, ttl: Duration) -> MailText {
    let (en, ar) = (english_duration(ttl), arabic_duration(ttl));
    MailText {
        subject: "Confirm your email for AffTok / أكّد بريدك الإلكتروني في AffTok".to_owned(),
        body: format!(
            "Hello {display_name},\n\n\
             Confirm the email address of your AffTok account by opening this link:\n\n\
             {link}\n\n\
             The link works once, for {en}. If you did not create an AffTok account, ignore \
             this mail.\n\n\
             --\n\n\
             مرحبًا {display_name}،\n\n\
             أكّد عنوان البريد الإلكتروني لحسابك في AffTok بفتح هذا الرابط:\n\n\
             {link}\n\n\
             يعمل الرابط مرة واحدة خلال {ar}. إذا لم تُنشئ حسابًا في AffTok فتجاهل هذه الرسالة.\n"
        ),
    }
}

/// The mail with a password reset link.
pub(crate) fn reset_mail(display_name: &str, link: &str, ttl: Duration) -> MailText {
    let (en, ar) = (english_duration(ttl), arabic_duration(ttl));
    MailText {
        subject: "Reset your AffTok password / إعادة تعيين كلمة المرور في AffTok".to_owned(),
        body: format!(
            "Hello {display_name},\n\n\
             Someone, hopefully you, asked to reset the password of your AffTok account. \
             Choose a new password by opening this link:\n\n\
             {link}\n\n\
             The link works once, for {en}; using it signs you out everywhere. If you did not \
             ask for this, ignore this mail: your password stays as it is.\n\n\
             --\n\n\
             مرحبًا {display_name}،\n\n\
             طلب أحدهم، ونأمل أن تكون أنت، إعادة تعيين كلمة المرور لحسابك في AffTok. اختر كلمة \
             مرور جديدة بفتح هذا الرابط:\n\n\
             {link}\n\n\
             يعمل الرابط مرة واحدة خلال {ar}، واستخدامه يُنهي جميع جلساتك. إذا لم تطلب ذلك \
             فتجاهل هذه الرسالة: تبقى كلمة مرورك كما هي.\n"
        ),
    }
}

/// "48 hours", "1 hour", "30 minutes".
fn english_duration(ttl: Duration) -> String {
    let (n, unit) = whole_units(ttl);
    let unit = match (unit, n) {
        (Unit::Hours, 1) => "hour",
        (Unit::Hours, _) => "hours",
        (Unit::Minutes, 1) => "minute",
        (Unit::Minutes, _) => "minutes",
    };
    format!("{n} {unit}")
}

/// The same in Arabic, with its number agreement: one and two have their own forms, three to
/// ten take the plural, eleven and up the singular.
fn arabic_duration(ttl: Duration) -> String {
    let (n, unit) = whole_units(ttl);
    let (one, two, plural, singular) = match unit {
        Unit::Hours => ("ساعة واحدة", "ساعتين", "ساعات", "ساعة"),
        Unit::Minutes => ("دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة"),
    };
    match n {
        1 => one.to_owned(),
        2 => two.to_owned(),
        3..=10 => format!("{n} {plural}"),
        _ => format!("{n} {singular}"),
    }
}

enum Unit {
    Hours,
    Minutes,
}

/// Whole hours when the lifetime is a multiple of an hour, else whole minutes (at least 1).
fn whole_units(ttl: Duration) -> (u64, Unit) {
    let secs = ttl.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        (secs / 3600, Unit::Hours)
    } else {
        ((secs / 60).max(1), Unit::Minutes)
    }
}

/// Longest pause between two attempts at a mail.
pub(crate) const MAX_RETRY_PAUSE: Duration = Duration::from_secs(15 * 60);

/// A mail still failing this long after it was written is given up.
pub(crate) const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The pause after the `attempts`-th failed attempt: `first`, doubling after each further
/// failure, at most [`MAX_RETRY_PAUSE`].
pub(crate) fn retry_pause(first: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    first.saturating_mul(1u32 << doublings).min(MAX_RETRY_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(token_hash(&a), token_hash(&format!(" {a}\n")));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(""), None);
        assert_eq!(token_hash(&"x".repeat(129)), None);
    }

    #[test]
    fn links_point_at_the_web_app_pages() {
        assert_eq!(
            link("https://app.example/", TokenPurpose::VerifyEmail, "abc"),
            "https://app.example/verify-email?token=abc"
        );
        assert_eq!(
            link("http://127.0.0.1:8080", TokenPurpose::ResetPassword, "abc"),
            "http://127.0.0.1:8080/reset-password?token=abc"
        );
    }

    #[test]
    fn mails_carry_the_link_in_both_languages() {
        let hours = |h: u64| Duration::from_secs(h * 3600);
        let mail = verification_mail("Sam", "https://x/verify-email?token=t", hours(48));
        assert_eq!(
            mail.body.matches("https://x/verify-email?token=t").count(),
            2
        );
        assert!(mail.body.contains("for 48 hours"), "{}", mail.body);
        assert!(mail.body.contains("48 ساعة"), "{}", mail.body);
        let mail = reset_mail("Sam", "https://x/reset-password?token=t", hours(1));
        assert!(mail.body.contains("for 1 hour;"), "{}", mail.body);
        assert!(mail.body.contains("ساعة واحدة"), "{}", mail.body);
        assert!(!mail.subject.contains('\n'));
        assert_eq!(arabic_duration(hours(2)), "ساعتين");
        assert_eq!(arabic_duration(hours(5)), "5 ساعات");
        assert_eq!(arabic_duration(Duration::from_secs(90 * 60)), "90 دقيقة");
        assert_eq!(english_duration(Duration::from_secs(60)), "1 minute");
    }

    #[test]
    fn retry_pauses_double_up_to_a_cap() {
        let first = Duration::from_secs(10);
        assert_eq!(retry_pause(first, 1), first);
        assert_eq!(retry_pause(first, 2), Duration::from_secs(20));
        assert_eq!(retry_pause(first, 4), Duration::from_secs(80));
        assert_eq!(retry_pause(first, 10), MAX_RETRY_PAUSE);
        assert_eq!(retry_pause(first, u32::MAX), MAX_RETRY_PAUSE);
        assert_eq!(retry_pause(first, 0), first);
    }
}
