import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNotice } from "./ErrorNotice";

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** Loading, error (including "the API refused") or the data, for one query. */
export function QueryState<T>({
  query,
  children,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.error) return <ErrorNotice error={query.error} onRetry={() => query.refetch()} />;
  if (query.isPending || query.data === undefined) {
    return (
      <p className="muted" aria-busy="true">
        {t("state.loading")}
      </p>
    );
  }
  return <>{children(query.data)}</>;
}
