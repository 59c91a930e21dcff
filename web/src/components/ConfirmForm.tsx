import type { ComponentType, FormEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNotice } from "./ErrorNotice";

export interface ConfirmFormProps {
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
  /** The dismissing button's words ("Cancel" unless the action is itself a cancelling). */
  cancelLabel?: string;
  /** How the page says an API refusal (its own words for the codes it knows). */
  errorView?: ComponentType<{ error: unknown }>;
}

/**
 * The inside of a confirmation dialog (components/Dialog.tsx): what will happen (and any
 * field the action takes), the API's refusal, the buttons. Enter confirms.
 */
export function ConfirmForm({
  children,
  confirmLabel,
  danger = false,
  pending,
  error,
  onConfirm,
  onCancel,
  cancelLabel,
  errorView: ErrorView = ErrorNotice,
}: ConfirmFormProps) {
  const { t } = useTranslation();
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!pending) onConfirm();
  }
  return (
    <form onSubmit={submit} className="stack" noValidate>
      {children}
      {error ? <ErrorView error={error} /> : null}
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {cancelLabel ?? t("actions.cancel")}
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
