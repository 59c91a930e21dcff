import { useTranslation } from "react-i18next";

interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** "Load more" under a cursor-paginated list, or "That is all." after the last page. */
export function LoadMore({ query }: { query: Pages }) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return <p className="muted">{t("state.end")}</p>;
  return (
    <div>
      <button
        type="button"
        className="btn"
        disabled={query.isFetchingNextPage}
        aria-busy={query.isFetchingNextPage || undefined}
        onClick={() => query.fetchNextPage()}
      >
        {query.isFetchingNextPage ? t("state.loading") : t("actions.loadMore")}
      </button>
    </div>
  );
}
