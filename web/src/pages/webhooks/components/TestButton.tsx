import { useTranslation } from "react-i18next";
import type { useSendTest } from "../../../api/hooks/webhooks";
import { WebhookError } from "./WebhookError";

/** "Send test" on a log page, and what came of it (the new message shows in the log below). */
export function TestButton({
  id,
  mutation,
}: {
  id: number;
  mutation: ReturnType<typeof useSendTest>;
}) {
  const { t } = useTranslation("webhooks");
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="btn btn-small"
          disabled={mutation.isPending}
          onClick={() => mutation.mutate(id)}
        >
          {t("actions.test")}
        </button>
      </div>
      {mutation.isSuccess && (
        <p className="notice notice-ok" role="status" data-testid="test-sent">
          {t("notices.testSentBelow", { id: mutation.data.message_id })}
        </p>
      )}
      {mutation.error ? <WebhookError error={mutation.error} /> : null}
    </div>
  );
}
