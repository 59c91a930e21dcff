// A contest's page: what it is (description, window, metric, who competes, offers), its
// prizes, where it is in time, the promoter's entry or the manager's actions, and the
// standings (live while it runs, the results with their prizes once finished).
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { type ContestView, useContest } from "../../api/hooks/contests";
import { useOfferNames } from "../../api/hooks/offers";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { formatDateTime, formatNumber } from "../../lib/format";
import { ContestError } from "./components/ContestError";
import { ContestWindow, MetricAndKind, PrizeList, StatusBadge } from "./components/ContestFacts";
import { Countdown } from "./components/Countdown";
import { EntryPanel } from "./components/EntryPanel";
import { ManageActions, type ManageOutcome } from "./components/ManageActions";
import { Standings } from "./components/Standings";
import { useNow } from "./lib/useNow";
import "./contests.css";

type Notice = "entered" | "left" | "published" | "cancelled" | "created" | "saved";

/** The offers counted: every offer, or each by name (when the caller can list offers) and id. */
function Offers({ c, manager }: { c: ContestView; manager: boolean }) {
  const { t } = useTranslation("contests");
  const names = useOfferNames(manager && c.offer_ids.length > 0);
  if (c.metric === "points") return <>{t("facts.offersPoints")}</>;
  if (c.offer_ids.length === 0) return <>{t("facts.allOffers")}</>;
  const name = (id: number) => names.data?.find((o) => o.id === id)?.name;
  return (
    <ul className="contest-offers" data-testid="contest-offers">
      {c.offer_ids.map((id) => (
        <li key={id}>
          <Link to={manager ? `/offers/${id}` : `/marketplace/${id}`} dir="auto">
            {name(id) ?? t("facts.offer", { id })}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function ContestBody({
  c,
  notice,
  setNotice,
  refetch,
}: {
  c: ContestView;
  notice: Notice | null;
  setNotice: (n: Notice | null) => void;
  refetch: () => void;
}) {
  const { t } = useTranslation("contests");
  const user = useUser();
  const lang = currentLanguage();
  const navigate = useNavigate();
  const now = useNow(15_000);
  const manager = user.role !== "promoter";

  function managed(o: ManageOutcome) {
    if (o === "deleted") navigate("/contests", { state: { deleted: c.name } });
    else setNotice(o);
  }

  return (
    <>
      <PageHeader title={c.name} />
      <div className="contest-head-facts">
        <StatusBadge status={c.status} />
        {c.advertiser_id == null && <span className="badge">{t("facts.platform")}</span>}
      </div>
      <div role="status" aria-live="polite" data-testid="contest-notice">
        {notice && <p className="notice notice-ok contest-flush">{t(`notices.${notice}`)}</p>}
      </div>
      <Countdown c={c} onElapsed={refetch} />
      {c.status === "cancelled" && (
        <p className="notice notice-warn contest-flush" data-testid="cancel-reason">
          {t("facts.cancelledBecause")} <span dir="auto">{c.cancel_reason ?? ""}</span>
        </p>
      )}
      {c.description && (
        <p
          className="contest-description contest-flush"
          dir="auto"
          data-testid="contest-description"
        >
          {c.description}
        </p>
      )}
      <dl className="contest-facts">
        <div>
          <dt>{t("facts.when")}</dt>
          <dd>
            <ContestWindow c={c} />
          </dd>
        </div>
        <div>
          <dt>{t("facts.counts")}</dt>
          <dd>
            <MetricAndKind c={c} />
            <div className="muted">{t(`metricHint.${c.metric}`)}</div>
          </dd>
        </div>
        <div>
          <dt>{t("facts.offers")}</dt>
          <dd>
            <Offers c={c} manager={manager} />
          </dd>
        </div>
        <div>
          <dt>{t("facts.entrantsTitle")}</dt>
          <dd data-testid="contest-entrants">{formatNumber(c.entrants, lang)}</dd>
        </div>
        {c.published_at && (
          <div>
            <dt>{t("facts.published")}</dt>
            <dd>
              <time dateTime={c.published_at}>{formatDateTime(c.published_at, lang)}</time>
            </dd>
          </div>
        )}
      </dl>
      <section className="card stack" aria-labelledby="contest-prizes-title">
        <h2 id="contest-prizes-title" className="contest-h2">
          {t("prizes.title")}
        </h2>
        <PrizeList prizes={c.prizes} />
      </section>
      {manager ? (
        <ManageActions contest={c} onDone={managed} />
      ) : (
        <EntryPanel contest={c} me={user.id} now={now} onDone={(k) => setNotice(k)} />
      )}
      {c.status !== "draft" && c.status !== "cancelled" && <Standings contest={c} />}
    </>
  );
}

export default function Contest() {
  const { t } = useTranslation("contests");
  const { id: raw } = useParams();
  const id = Number(raw);
  const location = useLocation();
  const navigate = useNavigate();
  const fromForm = (location.state as { notice?: Notice } | null)?.notice ?? null;
  const [notice, setNotice] = useState<Notice | null>(fromForm);
  // The form's notice is said once: not again after a reload.
  useEffect(() => {
    if (fromForm) navigate(location.pathname, { replace: true, state: null });
  }, [fromForm, navigate, location.pathname]);
  const valid = Number.isSafeInteger(id) && id > 0;
  // Read again every 30 s: the API starts and finishes contests by itself.
  const contest = useContest(id, 30_000, valid);
  const refetch = useCallback(() => void contest.refetch(), [contest.refetch]);

  let body: ReactNode;
  if (!valid) {
    body = <p className="notice notice-error">{t("errors.not_found")}</p>;
  } else if (contest.error) {
    body = <ContestError error={contest.error} onRetry={() => void contest.refetch()} />;
  } else if (contest.isPending) {
    body = (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  } else {
    body = <ContestBody c={contest.data} notice={notice} setNotice={setNotice} refetch={refetch} />;
  }
  return (
    <section className="stack contest-root">
      <p className="contest-flush">
        <Link to="/contests">{t("back")}</Link>
      </p>
      {contest.data ? null : <PageHeader title={t("title")} />}
      {body}
    </section>
  );
}
