import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import { useMarketplace } from "../../api/hooks/marketplace";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { OfferCard } from "./components/OfferCard";
import { useSentinel } from "./components/useSentinel";
import {
  filtersFromSearch,
  isFiltered,
  MAX_SEARCH,
  type MarketFilters,
  marketQuery,
  normalCategory,
  normalCountry,
  PAYOUT_MODELS,
  SORTS,
  searchFromFilters,
} from "./marketplaceQuery";
import "./promoter.css";

/** How long typing pauses before the search applies. */
const SEARCH_PAUSE_MS = 350;

/** What the filter form holds while the user edits it (applied to the URL on submit). */
interface Draft {
  q: string;
  category: string;
  payoutModel: string;
  country: string;
  sort: string;
}

function draftOf(f: MarketFilters): Draft {
  return {
    q: f.q ?? "",
    category: f.category ?? "",
    payoutModel: f.payoutModel ?? "",
    country: f.country ?? "",
    sort: f.sort,
  };
}

function FilterForm({
  filters,
  apiFields,
  onApply,
}: {
  filters: MarketFilters;
  apiFields: Record<string, string>;
  onApply: (search: URLSearchParams, replace?: boolean) => void;
}) {
  const { t } = useTranslation("promoter");
  const { t: tc } = useTranslation();
  const applied = searchFromFilters(filters).toString();
  const [draft, setDraft] = useState<Draft>(() => draftOf(filters));
  const [countryError, setCountryError] = useState<string | undefined>();

  // The URL changed (applied, back, forward, a shared link): show what it says, keeping the
  // search text as typed (its spaces) when it is what the URL says.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `applied` stands for `filters`.
  useEffect(() => {
    setDraft((d) => ({
      ...draftOf(filters),
      q: d.q.trim() === (filters.q ?? "") ? d.q : (filters.q ?? ""),
    }));
    setCountryError(undefined);
  }, [applied]);

  // The search applies as the user types (after a pause), with the filters already applied;
  // typing replaces the history entry instead of adding one per pause.
  const typed = draft.q.trim();
  const latest = useRef({ filters, onApply });
  useEffect(() => {
    latest.current = { filters, onApply };
  });
  useEffect(() => {
    if (typed === (latest.current.filters.q ?? "")) return;
    const timer = setTimeout(() => {
      // The filters as they are when the pause ends (a select may have changed meanwhile).
      const { filters: now, onApply: apply } = latest.current;
      if (typed === (now.q ?? "")) return;
      const { q: _, ...rest } = now;
      apply(searchFromFilters(typed ? { ...rest, q: typed } : rest), true);
    }, SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  function apply(d: Draft) {
    const country = d.country.trim();
    if (country !== "" && !normalCountry(country)) {
      setCountryError(t("marketplace.countryInvalid"));
      return;
    }
    setCountryError(undefined);
    const params = new URLSearchParams();
    if (d.q.trim()) params.set("q", d.q.trim());
    const category = normalCategory(d.category);
    if (category) params.set("category", category);
    if (d.payoutModel) params.set("payout_model", d.payoutModel);
    if (country) params.set("country", country);
    params.set("sort", d.sort);
    onApply(searchFromFilters(filtersFromSearch(params)));
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    apply(draft);
  }

  /** Selects take effect at once, with what the text fields hold. */
  function choose(change: Partial<Draft>) {
    const next = { ...draft, ...change };
    setDraft(next);
    apply(next);
  }

  return (
    <search aria-label={t("marketplace.filters")}>
      <form onSubmit={onSubmit} noValidate>
        <div className="filters card">
          <div className="filters-search">
            <TextField
              label={t("marketplace.search")}
              hint={t("marketplace.searchHint")}
              type="search"
              name="q"
              value={draft.q}
              autoComplete="off"
              maxLength={MAX_SEARCH}
              enterKeyHint="search"
              onChange={(e) => setDraft({ ...draft, q: e.target.value })}
              error={apiFields.q}
            />
          </div>
          <TextField
            label={t("marketplace.category")}
            hint={t("marketplace.categoryHint")}
            name="category"
            value={draft.category}
            autoComplete="off"
            spellCheck={false}
            maxLength={50}
            onChange={(e) => setDraft({ ...draft, category: e.target.value })}
            error={apiFields.category}
          />
          <TextField
            label={t("marketplace.country")}
            hint={t("marketplace.countryHint")}
            name="country"
            value={draft.country}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={2}
            size={4}
            dir="ltr"
            onChange={(e) => setDraft({ ...draft, country: e.target.value.toUpperCase() })}
            error={countryError ?? apiFields.country}
          />
          <div className="filters-wide">
            <SelectField
              label={t("marketplace.payoutModel")}
              name="payout_model"
              value={draft.payoutModel}
              onChange={(e) => choose({ payoutModel: e.target.value })}
              error={apiFields.payout_model}
            >
              <option value="">{t("marketplace.anyModel")}</option>
              {PAYOUT_MODELS.map((m) => (
                <option key={m} value={m}>
                  {t(`models.${m}`)}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="filters-wide">
            <SelectField
              label={t("marketplace.sort")}
              name="sort"
              value={draft.sort}
              onChange={(e) => choose({ sort: e.target.value })}
              error={apiFields.sort}
            >
              {SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(s === "newest" ? "marketplace.sortNewest" : "marketplace.sortPayout")}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="filters-actions">
            <button type="submit" className="btn btn-primary">
              {tc("actions.apply")}
            </button>
            {(isFiltered(filters) || filters.sort !== "newest") && (
              <button type="button" className="btn" onClick={() => onApply(new URLSearchParams())}>
                {t("marketplace.clear")}
              </button>
            )}
          </div>
        </div>
      </form>
    </search>
  );
}

export default function Marketplace() {
  const { t } = useTranslation("promoter");
  const { t: tc } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const query = useMarketplace(marketQuery(filters));
  const offers = query.data?.pages.flatMap((p) => p.data) ?? [];
  const pages = query.data?.pages.length ?? 0;
  const results = useId();
  const canLoad = query.hasNextPage && !query.isFetchingNextPage && !query.isError;
  const sentinel = useSentinel<HTMLDivElement>(() => void query.fetchNextPage(), canLoad, pages);
  const apiFields = query.error instanceof ApiError ? query.error.fields : {};

  return (
    <section>
      <PageHeader title={t("marketplace.title")} />
      <FilterForm
        filters={filters}
        apiFields={apiFields}
        onApply={(search, replace) => setParams(search, { replace: Boolean(replace) })}
      />
      <h2 id={results} className="visually-hidden">
        {t("marketplace.results")}
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
      {query.isSuccess && offers.length === 0 && (
        <p className="muted" data-testid="empty">
          {isFiltered(filters) ? t("marketplace.emptyFiltered") : t("marketplace.empty")}
        </p>
      )}
      {offers.length > 0 && (
        <ul className="cards offer-list" aria-labelledby={results} aria-busy={query.isFetching}>
          {offers.map((o) => (
            <li key={o.id}>
              <OfferCard offer={o} />
            </li>
          ))}
        </ul>
      )}
      <div ref={sentinel} className="sentinel" aria-hidden="true" />
      {offers.length > 0 && (
        <div className="list-end">
          {query.isFetchingNextPage && (
            <p className="muted" aria-busy="true">
              {t("marketplace.loadingMore")}
            </p>
          )}
          {query.hasNextPage && !query.isFetchingNextPage && (
            <button type="button" className="btn" onClick={() => void query.fetchNextPage()}>
              {tc("actions.loadMore")}
            </button>
          )}
          {!query.hasNextPage && <p className="muted">{tc("state.end")}</p>}
        </div>
      )}
    </section>
  );
}
