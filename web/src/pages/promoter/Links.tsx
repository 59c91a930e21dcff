import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useLinks } from "../../api/hooks/links";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageHeader } from "../../components/PageHeader";
import { LinkCard } from "./components/LinkCard";
import "./promoter.css";

export default function Links() {
  const { t } = useTranslation("promoter");
  const { t: tc } = useTranslation();
  const query = useLinks();
  const links = query.data?.pages.flatMap((p) => p.data) ?? [];
  const heading = useId();
  return (
    <section>
      <PageHeader title={t("links.title")} />
      <h2 id={heading} className="visually-hidden">
        {t("links.title")}
      </h2>
      {query.error ? (
        <ErrorNotice
          error={query.error}
          onRetry={() =>
            void (query.isFetchNextPageError ? query.fetchNextPage() : query.refetch())
          }
        />
      ) : null}
      {query.isPending && (
        <p className="muted" aria-busy="true">
          {tc("state.loading")}
        </p>
      )}
      {query.isSuccess && links.length === 0 && (
        <div className="card stack" data-testid="empty">
          <p className="flush">{t("links.empty")}</p>
          <div>
            <Link className="btn btn-primary" to="/marketplace">
              {t("links.toMarketplace")}
            </Link>
          </div>
        </div>
      )}
      {links.length > 0 && (
        <>
          <ul className="link-list" aria-labelledby={heading}>
            {links.map((l) => (
              <li key={l.id}>
                <LinkCard link={l} />
              </li>
            ))}
          </ul>
          <div className="list-end">
            {query.hasNextPage && (
              <button
                type="button"
                className="btn"
                onClick={() => void query.fetchNextPage()}
                disabled={query.isFetchingNextPage}
              >
                {query.isFetchingNextPage ? tc("state.loading") : tc("actions.loadMore")}
              </button>
            )}
            {!query.hasNextPage && <p className="muted">{tc("state.end")}</p>}
          </div>
        </>
      )}
    </section>
  );
}
