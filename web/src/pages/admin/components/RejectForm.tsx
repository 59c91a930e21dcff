import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { ApiError } from "../../../api/errors";
import { useRejectOffer } from "../../../api/hooks/admin";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { TextArea } from "../../../components/Field";
import { useApiForm } from "../../../components/useApiForm";

/** The reason an offer is refused (the advertiser reads it), then the rejection. */
export function RejectForm({
  offer,
  onRejected,
  onCancel,
}: {
  offer: Schemas["OfferView"];
  onRejected: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("admin");
  const { t: tc } = useTranslation();
  const reject = useRejectOffer();
  const form = useApiForm();
  const [reason, setReason] = useState("");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim() === "") {
      // The API would refuse it too; say so without a round trip.
      form.setError(
        new ApiError({
          status: 422,
          code: "validation_failed",
          errors: [{ field: "reason", message: t("review.reasonRequired") }],
        }),
      );
      return;
    }
    const done = await form.submit(() => reject.mutateAsync({ id: offer.id, reason }));
    if (done) onRejected();
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextArea
        label={t("review.reason")}
        name="reason"
        required
        maxLength={1000}
        hint={t("review.reasonHint")}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={form.fields.reason}
      />
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-danger" disabled={form.pending}>
          {t("review.rejectSubmit")}
        </button>
      </div>
    </form>
  );
}
