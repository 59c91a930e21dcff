// The contest form, for admins and advertisers: a new contest (saved as a draft) at
// /contests/new, a draft's changes at /contests/:id/edit. The window is typed in the user's
// zone and sent in UTC; the API's field errors show at their fields (prizes at their row).
import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import {
  type ContestView,
  useContest,
  useCreateContest,
  useUpdateContest,
} from "../../api/hooks/contests";
import { useUser } from "../../auth/useSession";
import { SelectField, TextArea, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { useApiForm } from "../../components/useApiForm";
import { browserTimeZone } from "../../lib/dates";
import { ContestError } from "./components/ContestError";
import { OfferPicker } from "./components/OfferPicker";
import { PrizeRows } from "./components/PrizeRows";
import { METRICS } from "./lib/display";
import {
  buildPayload,
  type ContestForm,
  changesBody,
  createBody,
  emptyForm,
  type FormProblem,
  formOf,
  metricHasOffers,
  prizeErrors,
} from "./lib/form";
import "./contests.css";

function Editor({ draft }: { draft: ContestView | null }) {
  const { t } = useTranslation("contests");
  const user = useUser();
  const navigate = useNavigate();
  const tz = browserTimeZone();
  const advertiser = user.role === "advertiser";
  const [f, setF] = useState<ContestForm>(() =>
    draft ? formOf(draft, tz) : emptyForm(new Date(), tz),
  );
  const [problems, setProblems] = useState<Record<string, FormProblem>>({});
  const [sentKeys, setSentKeys] = useState<number[]>([]);
  const form = useApiForm();
  const create = useCreateContest();
  const update = useUpdateContest(draft?.id ?? 0);
  const set = (change: Partial<ContestForm>) => setF((old) => ({ ...old, ...change }));

  // What the form found, in words; else what the API said, at the same field.
  const said = (field: string): string | undefined =>
    problems[field] ? t(`form.problems.${problems[field]}`) : form.fields[field];
  const prizeProblems = Object.fromEntries(
    Object.entries(problems).map(([k, v]) => [k, t(`form.problems.${v}`)]),
  );
  const prizes = prizeErrors({ ...form.fields, ...prizeProblems }, sentKeys);
  const metrics = METRICS.filter((m) => !(advertiser && m === "points"));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const payload = buildPayload(f, tz);
    setSentKeys(payload.prizeKeys);
    setProblems(payload.problems);
    if (Object.keys(payload.problems).length > 0) {
      form.setError(null);
      return;
    }
    const saved = await form.submit(() =>
      draft ? update.mutateAsync(changesBody(payload)) : create.mutateAsync(createBody(payload)),
    );
    if (saved) {
      navigate(`/contests/${saved.id}`, { state: { notice: draft ? "saved" : "created" } });
    }
  }

  const hasProblems = Object.keys(problems).length > 0;
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="card stack contest-form"
      aria-label={t("form.label")}
    >
      {form.error ? <ContestError error={form.error} /> : null}
      {hasProblems && (
        <div className="notice notice-error" role="alert">
          {t("errors.fix", { ns: "common" })}
        </div>
      )}
      <TextField
        label={t("form.name")}
        name="name"
        required
        maxLength={100}
        hint={t("form.nameHint")}
        value={f.name}
        onChange={(e) => set({ name: e.target.value })}
        error={said("name")}
      />
      <TextArea
        label={t("form.description")}
        name="description"
        rows={4}
        maxLength={2000}
        hint={t("form.descriptionHint")}
        value={f.description}
        onChange={(e) => set({ description: e.target.value })}
        error={said("description")}
      />
      <fieldset className="contest-window-fields">
        <legend>{t("form.window")}</legend>
        <small className="hint">{t("form.windowHint", { zone: tz })}</small>
        <div className="contest-two">
          <TextField
            label={t("form.starts")}
            name="starts_at"
            type="datetime-local"
            required
            value={f.starts}
            onChange={(e) => set({ starts: e.target.value })}
            error={said("starts_at")}
          />
          <TextField
            label={t("form.ends")}
            name="ends_at"
            type="datetime-local"
            required
            hint={t("form.endsHint")}
            value={f.ends}
            onChange={(e) => set({ ends: e.target.value })}
            error={said("ends_at")}
          />
        </div>
      </fieldset>
      <div className="contest-two">
        <SelectField
          label={t("form.metric")}
          name="metric"
          value={f.metric}
          hint={t(`metricHint.${f.metric}`)}
          onChange={(e) => set({ metric: e.target.value as ContestForm["metric"] })}
          error={said("metric")}
        >
          {metrics.map((m) => (
            <option key={m} value={m}>
              {t(`metric.${m}`)}
            </option>
          ))}
        </SelectField>
        {f.metric === "payout" && (
          <TextField
            label={t("form.currency")}
            name="currency"
            dir="ltr"
            maxLength={3}
            required
            autoCapitalize="characters"
            hint={t("form.currencyHint")}
            value={f.currency}
            onChange={(e) => set({ currency: e.target.value.toUpperCase() })}
            error={said("currency")}
          />
        )}
      </div>
      <SelectField
        label={t("form.kind")}
        name="kind"
        value={f.kind}
        hint={t(`kindHint.${f.kind}`)}
        onChange={(e) => set({ kind: e.target.value as ContestForm["kind"] })}
        error={said("kind")}
      >
        <option value="individual">{t("kind.individual")}</option>
        <option value="team">{t("kind.team")}</option>
      </SelectField>
      {metricHasOffers(f.metric) ? (
        <OfferPicker
          chosen={f.offerIds}
          onChange={(offerIds) => set({ offerIds })}
          required={advertiser}
          error={said("offer_ids")}
        />
      ) : (
        <p className="muted contest-flush">{t("facts.offersPoints")}</p>
      )}
      <PrizeRows
        rows={f.prizes}
        onChange={(rows) => set({ prizes: rows })}
        errors={prizes.rows}
        listError={prizes.list}
      />
      <div className="row contest-actions">
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending
            ? t("state.saving", { ns: "common" })
            : draft
              ? t("form.saveChanges")
              : t("form.saveDraft")}
        </button>
        <Link className="btn" to={draft ? `/contests/${draft.id}` : "/contests"}>
          {t("actions.cancel", { ns: "common" })}
        </Link>
      </div>
    </form>
  );
}

export default function ContestEditor() {
  const { t } = useTranslation("contests");
  const user = useUser();
  const { id: raw } = useParams();
  const editing = raw !== undefined;
  const id = Number(raw);
  const valid = Number.isSafeInteger(id) && id > 0;
  const draft = useContest(id, false, editing && valid);
  const title = editing ? t("form.editTitle") : t("form.newTitle");

  let body: ReactNode;
  if (user.role === "promoter") {
    body = (
      <p className="notice notice-warn" data-testid="contest-not-manager">
        {t("errors.promoterCannotCreate")}
      </p>
    );
  } else if (!editing) {
    body = <Editor draft={null} />;
  } else if (!valid) {
    body = <p className="notice notice-error">{t("errors.not_found")}</p>;
  } else if (draft.error) {
    body = <ContestError error={draft.error} onRetry={() => void draft.refetch()} />;
  } else if (draft.isPending) {
    body = (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  } else if (draft.data.status !== "draft") {
    body = (
      <p className="notice notice-warn" data-testid="contest-not-draft">
        {t("form.notDraft")} <Link to={`/contests/${draft.data.id}`}>{t("form.toContest")}</Link>
      </p>
    );
  } else {
    body = <Editor key={draft.data.id} draft={draft.data} />;
  }
  return (
    <section className="stack contest-root">
      <p className="contest-flush">
        <Link to="/contests">{t("back")}</Link>
      </p>
      <PageHeader title={title} />
      <p className="muted contest-flush">
        {user.role === "admin" ? t("form.introAdmin") : t("form.introAdvertiser")}
      </p>
      {body}
    </section>
  );
}
