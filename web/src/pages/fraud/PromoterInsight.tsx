// A promoter's traffic: any promoter's for an admin (with its suspension), a promoter's on
// the caller's offers for an advertiser, and a promoter's own (also at /fraud/me).
import { useTranslation } from "react-i18next";
import { useLocation, useParams, useSearchParams } from "react-router";
import { usePromoterInsight } from "../../api/hooks/fraud";
import { useMe } from "../../api/hooks/me";
import { useUser } from "../../auth/useSession";
import { currentLanguage } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { positiveId } from "../../lib/ids";
import { NotFound } from "../NotFound";
import { SuspensionPanel } from "./components/SuspensionPanel";
import { InsightPage } from "./InsightPage";
import { useRange } from "./lib/useRange";

/** The promoter's own account suspension, if any (from GET /v1/me, so it is current). */
function OwnSuspension() {
  const { t } = useTranslation("fraud");
  const me = useMe();
  const user = me.data?.user;
  if (!user?.suspended_at) return null;
  return (
    <div className="notice notice-error" role="status" data-testid="own-suspension">
      <span>
        {t("mine.suspended", { at: formatDateTime(user.suspended_at, currentLanguage()) })}
      </span>
      {user.suspended_reason && (
        <span>
          <span className="fraud-reason-label">{t("suspension.reasonLabel")}</span>
          <span dir="auto" className="fraud-reason">
            {user.suspended_reason}
          </span>
        </span>
      )}
    </div>
  );
}

export function PromoterInsightPage({ id, own }: { id: number; own: boolean }) {
  const { t } = useTranslation("fraud");
  const user = useUser();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const range = useRange(params);
  const offer = positiveId(params.get("offer"));
  const insight = usePromoterInsight(id, { from: range.from, to: range.to }, offer);
  // The queue passes the promoter's name along; by URL, its id names it.
  const passed = (location.state as { name?: unknown } | null)?.name;
  const name = typeof passed === "string" && passed ? passed : t("promoter.name", { id });
  const mine = own || (user.role === "promoter" && user.id === id);

  const title = mine ? t("mine.title") : t("promoter.title", { name });
  const intro = mine
    ? t("mine.intro")
    : user.role === "advertiser"
      ? t("promoter.introAdvertiser")
      : t("promoter.introAdmin");

  return (
    <InsightPage
      title={title}
      intro={intro}
      kind="promoter"
      range={range}
      query={insight}
      before={
        <>
          {mine && <OwnSuspension />}
          {user.role === "admin" && <SuspensionPanel promoterId={id} name={name} />}
        </>
      }
      filters={
        offer !== null && (
          <div className="stats-filters">
            <span className="stats-filters-label">{t("filters.label")}</span>
            <button
              type="button"
              className="btn btn-small stats-chip"
              aria-label={t("filters.remove", { name: t("filters.offer", { id: offer }) })}
              onClick={() => {
                const next = new URLSearchParams(params);
                next.delete("offer");
                setParams(next, { preventScrollReset: true });
              }}
            >
              <span>{t("filters.offer", { id: offer })}</span>
              <span aria-hidden="true">×</span>
            </button>
          </div>
        )
      }
    />
  );
}

export default function PromoterInsight() {
  const { id } = useParams();
  const promoterId = positiveId(id);
  if (promoterId === null) return <NotFound />;
  return <PromoterInsightPage key={promoterId} id={promoterId} own={false} />;
}
