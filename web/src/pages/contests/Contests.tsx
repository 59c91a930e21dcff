// The contests page. Promoters: the published contests by tab (running, upcoming, finished,
// the ones they entered). Admins and advertisers: the contests they manage (an admin's: every
// one) by state, drafts included, and a link to make a new one.
import { useTranslation } from "react-i18next";
import { Link, useLocation, useSearchParams } from "react-router";
import { useContests } from "../../api/hooks/contests";
import { useUser } from "../../auth/useSession";
import { SelectField } from "../../components/Field";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { ContestCard } from "./components/ContestCard";
import { ContestError } from "./components/ContestError";
import {
  PROMOTER_TABS,
  promoterTab,
  STATUSES,
  statusKey,
  statusParam,
  tabFilter,
} from "./lib/display";
import "./contests.css";

function ContestList({
  filter,
  manager,
}: {
  filter: Parameters<typeof useContests>[0];
  manager: boolean;
}) {
  const { t } = useTranslation("contests");
  const contests = useContests(filter);
  const list = contests.data?.pages.flatMap((p) => p.data) ?? [];
  if (contests.error) {
    return <ContestError error={contests.error} onRetry={() => void contests.refetch()} />;
  }
  if (contests.isPending) {
    return (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  }
  if (list.length === 0) {
    return (
      <p className="muted" data-testid="contests-empty">
        {manager ? t("list.emptyManager") : t("list.empty")}
      </p>
    );
  }
  return (
    <>
      <ul className="plain-list stack contest-list" data-testid="contests">
        {list.map((c) => (
          <ContestCard key={c.id} c={c} showStatus={manager || filter.mine === true} />
        ))}
      </ul>
      <LoadMore query={contests} />
    </>
  );
}

export default function Contests() {
  const { t } = useTranslation("contests");
  const user = useUser();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const manager = user.role !== "promoter";
  const deleted = (location.state as { deleted?: string } | null)?.deleted;

  if (!manager) {
    const tab = promoterTab(params.get("tab"));
    return (
      <section className="stack contest-root">
        <PageHeader title={t("title")} />
        <p className="muted contest-flush">{t("intro")}</p>
        <fieldset className="contest-segmented">
          <legend className="visually-hidden">{t("list.show")}</legend>
          {PROMOTER_TABS.map((x) => (
            <button
              key={x}
              type="button"
              className="btn btn-small"
              aria-pressed={x === tab}
              onClick={() => setParams({ tab: x }, { replace: true })}
            >
              {t(`tabs.${x}`)}
            </button>
          ))}
        </fieldset>
        <ContestList filter={tabFilter(tab)} manager={false} />
      </section>
    );
  }

  const status = statusParam(params.get("status"));
  return (
    <section className="stack contest-root">
      <PageHeader
        title={t("title")}
        actions={
          <Link className="btn btn-primary" to="/contests/new">
            {t("list.new")}
          </Link>
        }
      />
      <p className="muted contest-flush">
        {user.role === "admin" ? t("introAdmin") : t("introAdvertiser")}
      </p>
      {deleted && (
        <p className="notice notice-ok" role="status" data-testid="contest-notice">
          {t("notices.deleted", { name: deleted })}
        </p>
      )}
      <div className="contest-filter">
        <SelectField
          label={t("list.status")}
          value={status ?? ""}
          onChange={(e) =>
            setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })
          }
        >
          <option value="">{t("list.allStatuses")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(statusKey(s))}
            </option>
          ))}
        </SelectField>
      </div>
      <ContestList filter={status ? { status } : {}} manager />
    </section>
  );
}
