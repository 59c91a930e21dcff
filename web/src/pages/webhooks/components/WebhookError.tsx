import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { ErrorNotice } from "../../../components/ErrorNotice";

/** The API's refusals these pages expect, in the user's language. */
const known = ["postback_exists", "endpoint_disabled", "already_pending"] as const;
type Known = (typeof known)[number];

function isKnown(code: string): code is Known {
  return (known as readonly string[]).includes(code);
}

/** An API error: a known refusal in words of its own, anything else as ErrorNotice says it. */
export function WebhookError({ error }: { error: unknown }) {
  const { t } = useTranslation("webhooks");
  if (error instanceof ApiError && isKnown(error.code)) {
    return (
      <div className="notice notice-error" role="alert" data-testid="error">
        {t(`errors.${error.code}`)}
      </div>
    );
  }
  return <ErrorNotice error={error} />;
}
