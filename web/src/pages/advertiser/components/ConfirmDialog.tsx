import { type FormEvent, type ReactNode, useEffect, useId, useRef } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNotice } from "../../../components/ErrorNotice";

interface Props {
  title: string;
  /** What will happen, and any inputs (a reason). */
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  pending?: boolean;
  /** The API's refusal, shown above the buttons (field errors go next to their inputs). */
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * A modal confirmation (the native <dialog>: focus moves in and stays, Escape closes it,
 * focus returns to the button that opened it). Mounted while open.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  pending,
  error,
  onConfirm,
  onClose,
}: Props) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    return () => {
      if (dialog?.open && typeof dialog.close === "function") dialog.close();
      opener?.focus?.();
    };
  }, []);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!pending) onConfirm();
  }
  return (
    <dialog
      ref={ref}
      className="adv-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={titleId}>{title}</h2>
        {children}
        {error ? <ErrorNotice error={error} /> : null}
        <div className="adv-dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
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
    </dialog>
  );
}
