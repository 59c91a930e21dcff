import { useState } from "react";
import { useTranslation } from "react-i18next";

/** Copies a text to the clipboard and says so (politely, for screen readers). */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission (an insecure context): select-and-copy by hand still works.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={copy}
      aria-label={label ?? t("actions.copy")}
    >
      <span aria-live="polite">{copied ? t("actions.copied") : t("actions.copy")}</span>
    </button>
  );
}
