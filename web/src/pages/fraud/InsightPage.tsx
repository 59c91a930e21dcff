// The frame of an insight page: the title and intro, the range (and, for a promoter, one
// offer) in the URL, the insight itself, and what the page adds (an admin's suspension panel,
// a promoter's own notice).
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import type { Insight } from "../../api/hooks/fraud";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { InsightView } from "./components/InsightView";
import { RangeControl } from "./components/RangeControl";
import { type RangeView, writeRange } from "./lib/range";
import "../stats/stats.css";
import "./fraud.css";

interface InsightQuery {
  data: Insight | undefined;
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  isPlaceholderData: boolean;
  refetch: () => unknown;
}

export function InsightPage({
  title,
  intro,
  kind,
  range,
  query,
  before,
  filters,
}: {
  title: string;
  intro: string;
  kind: "promoter" | "offer";
  range: RangeView;
  query: InsightQuery;
  /** Shown between the intro and the range (a notice, the suspension panel). */
  before?: ReactNode;
  /** More filters under the range (an offer's chip). */
  filters?: ReactNode;
}) {
  const { t } = useTranslation("fraud");
  const [params, setParams] = useSearchParams();
  const apiErrors = query.error instanceof ApiError ? query.error.fields : {};
  // Links to other insights keep the range (not the offer filter).
  const rangeSearch = writeRange(range).toString();

  return (
    <section className="stack fraud-page">
      <PageHeader title={title} />
      <p className="muted">{intro}</p>
      {before}
      <RangeControl
        value={range}
        apiErrors={apiErrors}
        onChange={(r) => setParams(writeRange(r, params), { preventScrollReset: true })}
      >
        {filters}
      </RangeControl>
      <div className="stack" aria-busy={query.isFetching}>
        {query.isPlaceholderData && (
          <p className="muted stats-note" role="status">
            {t("updating")}
          </p>
        )}
        <QueryState query={query}>
          {(insight) => <InsightView insight={insight} kind={kind} search={rangeSearch} />}
        </QueryState>
      </div>
    </section>
  );
}
