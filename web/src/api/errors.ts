// The API answers every error as application/problem+json (RFC 9457) with a stable `code`;
// validation problems list the fields at fault. Pages show `detail` (or a translated text for
// the code) and put each field's message next to its input.

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code: string;
  errors?: FieldProblem[];
}

/** An API call that did not succeed: a problem from the API, or the network failing. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly retryAfterSecs: number | undefined;

  constructor(problem: Problem, retryAfterSecs?: number) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.name = "ApiError";
    this.status = problem.status;
    this.code = problem.code;
    this.fields = fieldErrors(problem);
    this.retryAfterSecs = retryAfterSecs;
  }

  get forbidden(): boolean {
    return this.status === 403;
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** The field errors of a problem by field name; a field named twice keeps both messages. */
export function fieldErrors(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem.errors ?? []) {
    // The API names nested fields with dots (`payout.amount`) and list items with brackets.
    const key = e.field;
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as Problem).code === "string" &&
    typeof (body as Problem).status === "number"
  );
}

/**
 * Turns a failed answer into an ApiError: the problem document when the API sent one,
 * otherwise a problem made up from the status (a proxy's HTML page, an empty body).
 */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  const retry = headers?.get("retry-after");
  const retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : undefined;
  if (isProblem(body)) return new ApiError(body, retryAfter);
  return new ApiError(
    { status, code: status >= 500 ? "server_error" : "http_error", title: `HTTP ${status}` },
    retryAfter,
  );
}

/** The network or the server could not be reached at all. */
export function networkError(cause: unknown): ApiError {
  const e = new ApiError({
    status: 0,
    code: "network_error",
    detail: cause instanceof Error ? cause.message : String(cause),
  });
  return e;
}
