import { useTranslation } from "react-i18next";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";
import { type EndpointState, endpointState, stateBadge } from "../lib/endpoints";

type Stateful = Parameters<typeof endpointState>[0] & { disabled_at?: string | null };

/** An endpoint's or postback's state as a badge (the word, not only the colour). */
export function StateBadge({ item }: { item: Stateful }) {
  const { t } = useTranslation("webhooks");
  const s = endpointState(item);
  return (
    <span className={stateBadge(s.state)} data-testid="endpoint-state" data-state={s.state}>
      {t(`state.${s.state}`)}
    </span>
  );
}

/** Why it is disabled, or since when it fails; nothing while it delivers. */
export function StateDetail({ item }: { item: Stateful }) {
  const { t } = useTranslation("webhooks");
  const lang = currentLanguage();
  const s: EndpointState = endpointState(item);
  if (s.state === "enabled") return null;
  if (s.state === "failing") {
    return (
      <p className="notice notice-warn" data-testid="failing-since">
        {t("state.failingSince", { date: formatDateTime(s.since, lang) })}
      </p>
    );
  }
  return (
    <p className="notice notice-error" data-testid="disabled-reason">
      {t(`state.reason.${s.reason}`)}
      {item.disabled_at
        ? ` ${t("state.disabledAt", { date: formatDateTime(item.disabled_at, lang) })}`
        : null}
    </p>
  );
}
