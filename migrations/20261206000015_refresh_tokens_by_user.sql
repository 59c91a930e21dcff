-- A user's refresh tokens, found by user: changing a password ends every other session of
-- the user (and signing out everywhere ends them all), which reads and revokes the user's
-- token families. Without this index that is a scan of every refresh token ever issued (one
-- per refresh, kept after use for reuse detection). It also serves the ON DELETE CASCADE
-- from users.
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id);
