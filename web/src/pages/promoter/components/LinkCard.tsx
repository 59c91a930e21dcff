import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../../api/client";
import { CopyButton } from "../../../components/CopyButton";
import { TestBadge } from "../../../components/TestBadge";
import { currentLanguage } from "../../../i18n";
import { formatDate } from "../../../lib/format";
import { buildSubIdUrl, type SubIds } from "../subIds";
import { QrCode } from "./QrCode";
import { SubIdBuilder } from "./SubIdBuilder";

type LinkView = Schemas["LinkView"];
type OfferStatus = LinkView["offer_status"];

const badgeClass: Record<OfferStatus, string> = {
  approved: "badge badge-ok",
  paused: "badge badge-warn",
  archived: "badge badge-danger",
  rejected: "badge badge-danger",
  draft: "badge",
  pending_review: "badge",
};

/** The offer's status as a badge. */
export function OfferStatusBadge({ status }: { status: OfferStatus }) {
  const { t } = useTranslation("promoter");
  return (
    <span className={badgeClass[status]} data-testid="offer-status">
      {t(`links.status.${status}`)}
    </span>
  );
}

/** Why a link whose offer is not approved stops redirecting. */
function stopsText(status: OfferStatus): "paused" | "archived" | "other" | null {
  if (status === "approved") return null;
  return status === "paused" || status === "archived" ? status : "other";
}

/** One tracking link: its offer, status, URL with Copy, sub-ID builder and QR code. */
export function LinkCard({ link }: { link: LinkView }) {
  const { t } = useTranslation("promoter");
  const lang = currentLanguage();
  const [subs, setSubs] = useState<SubIds>({});
  const built = buildSubIdUrl(link.url, subs);
  const heading = useId();
  const stops = stopsText(link.offer_status);
  return (
    <article className="card stack link-card" aria-labelledby={heading} data-testid="link-card">
      <header className="link-head">
        <h2 id={heading}>
          {link.offer_status === "approved" ? (
            <Link to={`/marketplace/${link.offer_id}`}>{link.offer_name}</Link>
          ) : (
            link.offer_name
          )}
        </h2>
        <span className="visually-hidden">{t("links.offerStatus")}: </span>
        <OfferStatusBadge status={link.offer_status} />
        {link.test && <TestBadge />}
      </header>
      {stops && <p className="notice notice-warn">{t(`links.stops.${stops}`)}</p>}
      <div className="stack-tight">
        <span className="label">{t("links.url")}</span>
        <div className="url-row">
          <code className="secret" data-testid="link-url" dir="ltr">
            {link.url}
          </code>
          <CopyButton text={link.url} label={t("links.copyLink", { offer: link.offer_name })} />
        </div>
        <small className="muted">
          {t("links.joinedOn", { date: formatDate(link.created_at, lang) })}
        </small>
      </div>
      <SubIdBuilder subs={subs} onChange={setSubs} built={built} offerName={link.offer_name} />
      <QrCode url={built} fileName={`afftok-link-${link.id}.png`} />
    </article>
  );
}
