import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { type PointsView, useAdjustPoints } from "../../../api/hooks/points";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { TextArea, TextField } from "../../../components/Field";
import { useApiForm } from "../../../components/useApiForm";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { adjustmentErrors, formatSigned, MAX_REASON } from "../lib/display";
import { useLevelName } from "../lib/useLevelName";

/**
 * An admin adds or takes away a promoter's points with a reason. What is plainly wrong is said
 * at its field before sending; the API's field errors show there too. After it, the new
 * standing is said (and shown above, from the answer).
 */
export function AdjustForm({ promoterId }: { promoterId: number }) {
  const { t } = useTranslation("points");
  const lang = currentLanguage();
  const levelName = useLevelName();
  const adjust = useAdjustPoints();
  const form = useApiForm();
  const id = useId();
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<{ points: number; view: PointsView } | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const wrong = adjustmentErrors(points, reason);
    if (Object.keys(wrong).length > 0) {
      form.setError(
        new ApiError({
          status: 422,
          code: "validation_failed",
          errors: Object.entries(wrong).map(([field, key]) => ({ field, message: t(key) })),
        }),
      );
      return;
    }
    const n = Number(points.trim());
    const view = await form.submit(() =>
      adjust.mutateAsync({ id: promoterId, points: n, reason: reason.trim() }),
    );
    if (view) {
      setDone({ points: n, view });
      setPoints("");
      setReason("");
    }
  }

  return (
    <section className="card stack" aria-labelledby={id}>
      <h2 id={id} className="points-h2">
        {t("adjust.title")}
      </h2>
      <div aria-live="polite" role="status">
        {done && (
          <p className="notice notice-ok" data-testid="adjust-done">
            {t("adjust.done", {
              points: formatSigned(done.points, lang),
              lifetime: formatNumber(done.view.lifetime_points, lang),
              level: levelName(done.view.level.name),
            })}
          </p>
        )}
      </div>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <form onSubmit={onSubmit} noValidate className="stack" data-testid="adjust-form">
        <TextField
          label={t("adjust.points")}
          name="points"
          inputMode="numeric"
          autoComplete="off"
          dir="ltr"
          required
          value={points}
          onChange={(e) => setPoints(e.target.value)}
          hint={t("adjust.pointsHint")}
          error={form.fields.points}
        />
        <TextArea
          label={t("adjust.reason")}
          name="reason"
          required
          maxLength={MAX_REASON}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          hint={t("adjust.reasonHint")}
          error={form.fields.reason}
        />
        <div className="row">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={form.pending}
            aria-busy={form.pending || undefined}
          >
            {t("adjust.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
