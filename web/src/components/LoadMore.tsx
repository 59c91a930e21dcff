import { useTranslation } from "react-i18next";

interface PagedQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  data?: { pages: unknown[] } | undefined;
}

/**
 * "Load more" under a cursor-paged list (useInfiniteQuery), or a quiet end mark once several
 * pages are in (a one-page list needs none).
 */
export function LoadMore({ query }: { query: PagedQuery }) {
  const { t } = useTranslation();
  if (query.hasNextPage) {
    return (
      <div className="list-end">
        <button
          type="button"
          className="btn"
          onClick={() => query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
          aria-busy={query.isFetchingNextPage || undefined}
        >
          {query.isFetchingNextPage ? t("state.loading") : t("actions.loadMore")}
        </button>
      </div>
    );
  }
  if ((query.data?.pages.length ?? 0) > 1) {
    return <p className="list-end muted">{t("state.end")}</p>;
  }
  return null;
}
