import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./errors";

/** Retries what may pass on a second try (network, 5xx, 429), never a refusal (4xx). */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (failures >= 2) return false;
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: 30_000, retry: shouldRetry, refetchOnWindowFocus: true },
    mutations: { retry: false },
  },
});

/**
 * Follows the test-mode switch: when it flips, every cached answer belongs to the other mode,
 * so each is forgotten (a page shows loading, never the other mode's figures as this one's)
 * and what is on screen is fetched again, in the new mode. Gives the unsubscribe.
 */
export function followTestMode(
  client: QueryClient,
  subscribe: (listener: () => void) => () => void,
): () => void {
  return subscribe(() => {
    void client.resetQueries();
  });
}
