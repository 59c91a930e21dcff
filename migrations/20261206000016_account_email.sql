-- Email verification and password resets by mail.
--
-- A user's email is verified when they open the link mailed to them at sign-up (or a reset
-- link, which proves the same). Unverified accounts can sign in; when
-- AFFTOK_REQUIRE_VERIFIED_EMAIL is set they cannot join offers or submit offers for review.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;

-- Accounts that exist before this migration: admins were made by an operator
-- (`afftok admin create`) and count as verified; everyone else verifies through a mail
-- (`POST /v1/auth/email/resend`) or an operator (`afftok admin verify-email`).
UPDATE users SET email_verified_at = created_at WHERE role = 'admin';

-- Single-use tokens mailed in links. Only the SHA-256 of a token is stored: the token itself
-- exists in the mail (until it is sent, see mail_outbox) and in the recipient's mailbox. A
-- token is spent by setting used_at, in the transaction that does what it allows.
CREATE TABLE account_tokens (
    id         UUID PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Spending every other token of a user and purpose (a reset ends the other reset links).
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose) WHERE used_at IS NULL;

-- Mails waiting to be sent, written in the transaction of what they announce (the token they
-- carry commits with them or not at all) and sent by the service's mail job, which retries
-- with a growing pause. The body holds a link with a token: it is erased (NULL) as soon as
-- the mail is sent, and when the mail is given up (still failing 24 hours after it was
-- written; the row stays, with its last error, for an operator to see). Rows of mails sent
-- or given up, and tokens expired, are deleted after 30 days by the same job.
CREATE TABLE mail_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Sending attempts made so far.
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When the job may take it next: now for a new mail, later after a failure, and a few
    -- minutes ahead while one job is sending it (if that job dies, another takes it then).
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    given_up_at     TIMESTAMPTZ,
    -- Why the last attempt failed (never holds the body or a credential).
    last_error      TEXT,
    -- Exactly the mails still to send have a body.
    CHECK ((body IS NULL) = (sent_at IS NOT NULL OR given_up_at IS NOT NULL))
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND given_up_at IS NULL;
