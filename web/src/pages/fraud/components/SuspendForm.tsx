import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import {
  type SuspensionAction,
  type SuspensionView,
  useChangeSuspension,
} from "../../../api/hooks/fraud";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { TextArea } from "../../../components/Field";
import { useApiForm } from "../../../components/useApiForm";

/** The longest reason the API takes, in characters. */
export const MAX_REASON = 500;

/**
 * The reason a promoter is suspended or reinstated (recorded in its history), then the change.
 * A reason the API refuses shows at the field; "already suspended" and "not suspended" (someone
 * acted first) say so in words.
 */
export function SuspendForm({
  promoterId,
  action,
  onDone,
  onCancel,
}: {
  promoterId: number;
  action: SuspensionAction;
  onDone: (view: SuspensionView) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("fraud");
  const { t: tc } = useTranslation();
  const change = useChangeSuspension();
  const form = useApiForm();
  const [reason, setReason] = useState("");
  const conflict =
    form.error instanceof ApiError &&
    (form.error.code === "already_suspended" || form.error.code === "not_suspended")
      ? form.error.code
      : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim() === "") {
      // The API would refuse it too; say so without a round trip.
      form.setError(
        new ApiError({
          status: 422,
          code: "validation_failed",
          errors: [{ field: "reason", message: t("suspension.reasonRequired") }],
        }),
      );
      return;
    }
    const done = await form.submit(() =>
      change.mutateAsync({ id: promoterId, action, reason: reason.trim() }),
    );
    if (done) onDone(done);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      {conflict ? (
        <p className="notice notice-warn" role="alert" data-testid="suspension-conflict">
          {t(`suspension.conflict.${conflict}`)}
        </p>
      ) : form.error ? (
        <ErrorNotice error={form.error} />
      ) : null}
      <p className="muted">{t(`suspension.${action}Explain`)}</p>
      <TextArea
        label={t("suspension.reason")}
        name="reason"
        required
        maxLength={MAX_REASON}
        hint={t("suspension.reasonHint", { max: MAX_REASON })}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={form.fields.reason}
      />
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button
          type="submit"
          className={action === "suspend" ? "btn btn-danger" : "btn btn-primary"}
          disabled={form.pending}
          aria-busy={form.pending || undefined}
        >
          {t(`suspension.${action}Submit`)}
        </button>
      </div>
    </form>
  );
}
