// The prizes of the contest form: a row per rank (its words, an optional amount and currency),
// rows added and removed; each field shows the API's error for it.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { TextField } from "../../../components/Field";
import {
  addPrizeRow,
  type PrizeField,
  type PrizeRow,
  removePrizeRow,
  updatePrizeRow,
} from "../lib/form";

export function PrizeRows({
  rows,
  onChange,
  errors,
  listError,
}: {
  rows: PrizeRow[];
  onChange: (rows: PrizeRow[]) => void;
  errors: Record<number, Partial<Record<PrizeField, string>>>;
  listError: string | undefined;
}) {
  const { t } = useTranslation("contests");
  const id = useId();
  const set = (key: number, change: Partial<PrizeRow>) =>
    onChange(updatePrizeRow(rows, key, change));
  return (
    <fieldset
      className={`contest-prize-rows stack${listError ? " field-invalid" : ""}`}
      aria-describedby={listError ? `${id}-error` : `${id}-hint`}
      data-testid="prize-rows"
    >
      <legend>{t("form.prizes")}</legend>
      <small id={`${id}-hint`} className="hint">
        {t("form.prizesHint")}
      </small>
      {rows.length === 0 && <p className="muted contest-flush">{t("form.noPrizes")}</p>}
      {rows.map((r, i) => {
        const e = errors[r.key] ?? {};
        const n = i + 1;
        return (
          <fieldset key={r.key} className="contest-prize-row" data-testid="prize-row">
            <legend className="visually-hidden">{t("form.prizeLegend", { n })}</legend>
            <div className="contest-prize-rank">
              <TextField
                label={t("form.rank")}
                type="number"
                inputMode="numeric"
                min={1}
                max={100}
                step={1}
                value={r.rank}
                onChange={(ev) => set(r.key, { rank: ev.target.value })}
                error={e.rank}
              />
            </div>
            <div className="contest-prize-text">
              <TextField
                label={t("form.prize")}
                maxLength={200}
                value={r.prize}
                onChange={(ev) => set(r.key, { prize: ev.target.value })}
                error={e.prize}
              />
            </div>
            <div className="contest-prize-amount">
              <TextField
                label={t("form.amount")}
                inputMode="decimal"
                dir="ltr"
                value={r.amount}
                onChange={(ev) => set(r.key, { amount: ev.target.value })}
                error={e.amount}
              />
            </div>
            <div className="contest-prize-currency">
              <TextField
                label={t("form.prizeCurrency")}
                dir="ltr"
                maxLength={3}
                autoCapitalize="characters"
                value={r.currency}
                onChange={(ev) => set(r.key, { currency: ev.target.value.toUpperCase() })}
                error={e.currency}
              />
            </div>
            <div className="contest-prize-remove">
              <button
                type="button"
                className="btn btn-small"
                aria-label={t("form.removePrizeNamed", { n })}
                onClick={() => onChange(removePrizeRow(rows, r.key))}
              >
                {t("form.removePrize")}
              </button>
            </div>
          </fieldset>
        );
      })}
      <div>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onChange(addPrizeRow(rows))}
          disabled={rows.length >= 100}
        >
          {t("form.addPrize")}
        </button>
      </div>
      {listError && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {listError}
        </small>
      )}
    </fieldset>
  );
}
