//! Mail: the verification and password reset mails are recorded in the outbox with their
//! token ([`record`]), and the mail job ([`send_mail`]) sends them through SMTP (lettre), or
//! writes them as `.eml` files into `AFFTOK_MAIL_DIR`, retrying with a growing pause. Sent
//! mails lose their body (the token in it); a mail still failing a day after it was written
//! is given up, its body erased, its last error kept.
//!
//! Other features send mail through [`enqueue_notice`] (a notice to a user, written in the
//! caller's transaction), sharing the outbox and this job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use secrecy::ExposeSecret as _;

use crate::accounts::UserRow;
use crate::accounts::db::{outbox, tokens};
use crate::accounts::rules::mail::{
    GIVE_UP_AFTER, TokenPurpose, link, reset_mail, retry_pause, verification_mail,
};
use crate::app::AppState;
use crate::app::config::{MailSettings, MailTransport};
use crate::app::jobs::Stop;

/// Mails claimed at once.
const BATCH: i64 = 20;

/// How long a claimed mail is left to the job that claimed it (longer than an SMTP attempt
/// can take): if that job dies, another sends the mail after this.
const LEASE: Duration = Duration::from_secs(300);

/// How long one SMTP attempt may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the rows of sent and given up mails (without their bodies) and of expired tokens
/// are kept, for an operator looking into a complaint.
const KEEP: Duration = Duration::from_secs(30 * 86_400);

/// How often rows older than [`KEEP`] are deleted.
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// Records a mail for `user` carrying a new token for `purpose`, in one transaction: the
/// token is never valid without its mail on its way, nor the other way round.
pub(crate) async fn record(
    state: &AppState,
    user: &UserRow,
    purpose: TokenPurpose,
) -> sqlx::Result<()> {
    let settings = &state.settings.mail;
    let ttl = match purpose {
        TokenPurpose::VerifyEmail => settings.verification_ttl,
        TokenPurpose::ResetPassword => settings.reset_ttl,
    };
    let mut tx = state.db.begin().await?;
    let token = tokens::issue(&mut tx, user.id, purpose, ttl).await?;
    let link = link(&state.settings.public_url, purpose, &token);
    let text = match purpose {
        TokenPurpose::VerifyEmail => verification_mail(&user.display_name, &link, ttl),
        TokenPurpose::ResetPassword => reset_mail(&user.display_name, &link, ttl),
    };
    outbox::enqueue(&mut tx, &user.email, &text.subject, &text.body).await?;
    tx.commit().await
}

/// Queues a plain notice mail to `user` in the caller's transaction (a reaction that writes
/// it with its consumer position sends it exactly once); `false` when there is no such
/// user.
pub async fn enqueue_notice(
    conn: &mut sqlx::PgConnection,
    user: crate::kernel::UserId,
    subject: &str,
    body: impl FnOnce(&str) -> String,
) -> sqlx::Result<bool> {
    let Some(to) = sqlx::query!(
        "SELECT email, display_name FROM users WHERE id = $1",
        user.0
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(false);
    };
    outbox::enqueue(conn, &to.email, subject, &body(&to.display_name)).await?;
    Ok(true)
}

/// Where the job delivers.
enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(PathBuf),
}

/// A delivery and the sender of every mail.
struct Mailer {
    delivery: Delivery,
    from: Mailbox,
}

/// Why an attempt failed; `permanent` when trying again cannot help.
struct Failure {
    error: String,
    permanent: bool,
}

impl Mailer {
    /// The mailer the settings describe; `Ok(None)` when mail is disabled. Errors are
    /// settings that slipped past their check (they name no secret).
    fn new(settings: &MailSettings) -> Result<Option<Self>, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| "AFFTOK_MAIL_FROM is not a mailbox".to_owned())?;
        let delivery = match &settings.transport {
            MailTransport::Smtp(url) => Delivery::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| format!("AFFTOK_SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            MailTransport::Dir(dir) => Delivery::Dir(dir.clone()),
            MailTransport::Disabled => return Ok(None),
        };
        Ok(Some(Self { delivery, from }))
    }

    /// Sends (or writes) one mail.
    async fn deliver(&self, mail: &outbox::Outgoing) -> Result<(), Failure> {
        let permanent = |error: String| Failure {
            error,
            permanent: true,
        };
        let to = mail
            .recipient
            .parse::<Address>()
            .map_err(|e| permanent(format!("the recipient cannot be mailed: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| permanent(format!("the mail cannot be built: {e}")))?;
        match &self.delivery {
            Delivery::Smtp(transport) => {
                transport.send(message).await.map_err(|e| Failure {
                    // lettre's errors name the failure and the server's reply, never the
                    // credentials.
                    error: format!("smtp: {e}"),
                    permanent: false,
                })?;
                tracing::info!(mail_id = mail.id, "mail sent");
            }
            Delivery::Dir(dir) => {
                let path = write_eml(dir, mail.id, &message.formatted())
                    .await
                    .map_err(|e| Failure {
                        error: format!("writing into AFFTOK_MAIL_DIR: {e}"),
                        permanent: false,
                    })?;
                // The file, never the link or its token: whoever may read the directory may
                // read the mail.
                tracing::info!(mail_id = mail.id, file = %path.display(), "mail written to a file");
            }
        }
        Ok(())
    }
}

/// Writes a mail as `{dir}/{UTC time}-{id}.eml`, readable by its owner only (it holds a
/// link with a token); the file appears whole or not at all.
async fn write_eml(dir: &Path, id: i64, raw: &[u8]) -> std::io::Result<PathBuf> {
    use tokio::io::AsyncWriteExt as _;
    let mut dirs = tokio::fs::DirBuilder::new();
    dirs.recursive(true);
    #[cfg(unix)]
    dirs.mode(0o700);
    dirs.create(dir).await?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(std::io::Error::other)?;
    let name = format!("{stamp}-{id}.eml");
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&partial).await?;
    file.write_all(raw).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&partial, &path).await?;
    Ok(path)
}

/// The mail job: sends what the outbox holds until `stop`.
pub async fn send_mail(state: AppState, mut stop: Stop) {
    let settings = &state.settings.mail;
    let mailer = match Mailer::new(settings) {
        Ok(mailer) => mailer,
        Err(e) => {
            tracing::error!(error = %e, "mail cannot be sent");
            None
        }
    };
    match &settings.transport {
        MailTransport::Smtp(_) => tracing::info!("mail: sending through SMTP (AFFTOK_SMTP_URL)"),
        MailTransport::Dir(dir) => tracing::info!(
            dir = %dir.display(),
            "mail: writing each mail as an .eml file into AFFTOK_MAIL_DIR instead of sending it"
        ),
        MailTransport::Disabled => tracing::warn!(
            "mail is disabled: set AFFTOK_SMTP_URL (or AFFTOK_MAIL_DIR for development); \
             verification and password reset mails wait in the outbox and are given up after a day"
        ),
    }
    let mut last_cleanup: Option<tokio::time::Instant> = None;
    loop {
        if last_cleanup.is_none_or(|at| at.elapsed() >= CLEANUP_EVERY) {
            last_cleanup = Some(tokio::time::Instant::now());
            cleanup(&state).await;
        }
        match outbox::give_up_stale(&state.db, GIVE_UP_AFTER).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(mails = n, "mails not sent within a day given up"),
            Err(e) => tracing::warn!(error = %e, "giving up old mails failed"),
        }
        if let Some(mailer) = &mailer {
            // Batch after batch while they come full, then a pause.
            loop {
                let claimed = match outbox::claim(&state.db, BATCH, LEASE).await {
                    Ok(claimed) => claimed,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the mail outbox failed");
                        break;
                    }
                };
                let full = claimed.len() as i64 == BATCH;
                for mail in claimed {
                    deliver(&state, mailer, &mail).await;
                }
                if !full || stop.is_stopped() {
                    break;
                }
            }
        }
        if stop.after(settings.poll_interval).await {
            return;
        }
    }
}

/// Deletes what is kept no longer: old outbox rows, long-expired tokens.
async fn cleanup(state: &AppState) {
    match outbox::forget_old(&state.db, KEEP).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(mails = n, "old mail outbox rows deleted"),
        Err(e) => tracing::warn!(error = %e, "deleting old mail outbox rows failed"),
    }
    match tokens::forget_expired(&state.db, KEEP).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(tokens = n, "long-expired account tokens deleted"),
        Err(e) => tracing::warn!(error = %e, "deleting expired account tokens failed"),
    }
}

/// One attempt at one mail, and its outcome recorded.
async fn deliver(state: &AppState, mailer: &Mailer, mail: &outbox::Outgoing) {
    let outcome = match mailer.deliver(mail).await {
        Ok(()) => outbox::sent(&state.db, mail.id).await,
        Err(Failure { error, permanent }) => {
            let error: String = error.chars().take(500).collect();
            let attempts = u32::try_from(mail.attempts).unwrap_or(1);
            let pause = retry_pause(state.settings.mail.retry, attempts);
            match outbox::failed(&state.db, mail.id, &error, pause, GIVE_UP_AFTER, permanent).await
            {
                Ok(true) => {
                    tracing::error!(mail_id = mail.id, attempts, error = %error, "mail given up");
                    Ok(())
                }
                Ok(false) => {
                    tracing::warn!(
                        mail_id = mail.id, attempts, error = %error,
                        retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "mail not sent; trying again later"
                    );
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    };
    if let Err(e) = outcome {
        // The lease runs out and the mail is tried again (a mail sent but not recorded as
        // sent may go out twice: better than never).
        tracing::warn!(mail_id = mail.id, error = %e, "recording a mail's outcome failed");
    }
}
