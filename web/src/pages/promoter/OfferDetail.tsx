import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import type { Schemas } from "../../api/client";
import { ApiError } from "../../api/errors";
import { useJoinOffer, useMarketOffer } from "../../api/hooks/marketplace";
import { CopyButton } from "../../components/CopyButton";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageHeader } from "../../components/PageHeader";
import { OfferTerms } from "./components/OfferTerms";
import { isWebUrl } from "./display";
import "./promoter.css";

/** An offer id from the URL: a positive integer, else null. */
function offerId(param: string | undefined): number | null {
  if (!param || !/^\d{1,15}$/.test(param)) return null;
  const id = Number(param);
  return id > 0 ? id : null;
}

function BackLink() {
  const { t } = useTranslation("promoter");
  return (
    <p>
      <Link to="/marketplace">{t("offer.back")}</Link>
    </p>
  );
}

function NotFoundOffer() {
  const { t } = useTranslation("promoter");
  return (
    <section>
      <PageHeader title={t("offer.title")} />
      <p className="notice notice-warn" data-testid="not-found">
        {t("offer.notFound")}
      </p>
      <BackLink />
    </section>
  );
}

function Join({ offer }: { offer: Schemas["MarketOffer"] }) {
  const { t } = useTranslation("promoter");
  const join = useJoinOffer(offer.id);
  const heading = useId();
  const joined = join.data;
  return (
    <section className="card stack" aria-labelledby={heading}>
      <h2 id={heading} className="section-title">
        {t("offer.joinTitle")}
      </h2>
      {!joined && (
        <>
          <p className="muted">{t("offer.joinHint")}</p>
          <div>
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => join.mutate()}
              disabled={join.isPending}
            >
              {join.isPending ? t("offer.joining") : t("offer.join")}
            </button>
          </div>
        </>
      )}
      {join.error ? <ErrorNotice error={join.error} /> : null}
      {joined && (
        <div className="notice notice-ok join-result" role="status" data-testid="joined">
          <span>{joined.created ? t("offer.joined") : t("offer.alreadyJoined")}</span>
          <div className="url-row">
            <code className="secret" data-testid="link-url" dir="ltr">
              {joined.link.url}
            </code>
            <CopyButton text={joined.link.url} label={t("offer.copyLink")} />
          </div>
          <Link to="/links">{t("offer.toLinks")}</Link>
        </div>
      )}
    </section>
  );
}

function Offer({ id }: { id: number }) {
  const { t } = useTranslation("promoter");
  const { t: tc } = useTranslation();
  const query = useMarketOffer(id);
  if (query.error instanceof ApiError && query.error.status === 404) return <NotFoundOffer />;
  if (query.error || query.isPending) {
    return (
      <section>
        <PageHeader title={t("offer.title")} />
        {query.error ? (
          <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
        ) : (
          <p className="muted" aria-busy="true">
            {tc("state.loading")}
          </p>
        )}
        <BackLink />
      </section>
    );
  }
  const offer = query.data;
  return (
    <section className="stack">
      <PageHeader title={offer.name} />
      <div className="card stack">
        <OfferTerms offer={offer} />
        {offer.description && (
          <div className="stack-tight">
            <h2 className="section-title section-title-small">{t("offer.description")}</h2>
            <p className="offer-description" dir="auto">
              {offer.description}
            </p>
          </div>
        )}
        {isWebUrl(offer.preview_url) && (
          <p className="flush">
            <a href={offer.preview_url} target="_blank" rel="noopener noreferrer">
              {t("offer.preview")} <span className="visually-hidden">{t("offer.newTab")}</span>
            </a>
          </p>
        )}
      </div>
      <Join offer={offer} />
      <BackLink />
    </section>
  );
}

export default function OfferDetail() {
  const { id } = useParams();
  const parsed = offerId(id);
  if (parsed === null) return <NotFoundOffer />;
  // A new offer id starts a new page (its join state included).
  return <Offer key={parsed} id={parsed} />;
}
