-- "Log out everywhere" (POST /v1/auth/logout-all) finds a user's live refresh token
-- families by user: index the tokens not revoked yet by their user (revoked ones, the bulk
-- of the table over time, are left out).
CREATE INDEX refresh_tokens_user_live ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
