import { useState } from "react";
import { ApiError } from "../api/errors";

/**
 * The state of a form that sends to the API: whether it is sending, the error, and the
 * API's field errors by field name, so each input can show its own.
 */
export function useApiForm() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error.fields : {};
  async function submit<T>(send: () => Promise<T>): Promise<T | undefined> {
    setPending(true);
    setError(null);
    try {
      return await send();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setPending(false);
    }
  }
  return { pending, error, fields, submit, setError };
}
