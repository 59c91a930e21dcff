import type { ReactNode } from "react";
import { CopyButton } from "../../../components/CopyButton";

/**
 * A text to copy (a key, a URL, a snippet): shown as code, left to right in Arabic too, with
 * its copy button; `block` for several lines (wrapped, so a phone never scrolls sideways).
 */
export function CopyBlock({
  title,
  text,
  copyLabel,
  testId,
  hint,
  block = false,
}: {
  title: string;
  text: string;
  copyLabel: string;
  testId: string;
  hint?: ReactNode;
  block?: boolean;
}) {
  return (
    <div className="stack" style={{ gap: "0.25rem" }}>
      <strong>{title}</strong>
      {block ? (
        <pre className="adv-snippet" data-testid={testId}>
          <code>{text}</code>
        </pre>
      ) : (
        <code className="secret adv-ltr" data-testid={testId}>
          {text}
        </code>
      )}
      {hint && <small className="hint">{hint}</small>}
      <div>
        <CopyButton text={text} label={copyLabel} />
      </div>
    </div>
  );
}
