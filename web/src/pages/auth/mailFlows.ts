// The pages opened from mailed links (verify the email, reset the password) and the password
// forms: what the link carries and which problems the page explains itself.
import { ApiError } from "../../api/errors";

/** The token of a mailed link (`?token=…`), or null when the link lost it. */
export function tokenFrom(params: URLSearchParams): string | null {
  const token = params.get("token")?.trim();
  return token ? token : null;
}

/** Whether the API said the link's token is dead (expired, used, or never ours). */
export function isDeadLink(error: unknown): boolean {
  return error instanceof ApiError && error.code === "invalid_token";
}

/**
 * A problem of the "new password, again" field found before sending (the API checks the
 * password itself), as the field error the form shows; undefined when the two match.
 */
export function confirmProblem(
  password: string,
  again: string,
  message: string,
): ApiError | undefined {
  if (password === again) return undefined;
  return new ApiError({
    status: 422,
    code: "validation_failed",
    errors: [{ field: "confirm", message }],
  });
}
