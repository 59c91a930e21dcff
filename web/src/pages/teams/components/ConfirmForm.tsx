import type { FormEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { TeamError } from "./TeamError";

/** The inside of a confirmation dialog: what will happen, the API's refusal, the buttons. */
export function ConfirmForm({
  children,
  confirmLabel,
  danger = false,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!pending) onConfirm();
  }
  return (
    <form onSubmit={submit} className="stack">
      {children}
      {error ? <TeamError error={error} /> : null}
      <div className="row team-dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {t("actions.cancel")}
        </button>
        <button
          type="submit"
          className={`btn ${danger ? "btn-danger" : "btn-primary"}`}
          disabled={pending}
          aria-busy={pending || undefined}
        >
          {pending ? t("state.saving") : confirmLabel}
        </button>
      </div>
    </form>
  );
}
