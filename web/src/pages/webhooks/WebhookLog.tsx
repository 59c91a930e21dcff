// One webhook endpoint's delivery log: the endpoint (URL, state, a test send), then its
// messages with their attempts (components/DeliveryLog.tsx).
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useEndpoint, useSendTest } from "../../api/hooks/webhooks";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { NotFound } from "../NotFound";
import { DeliveryLog } from "./components/DeliveryLog";
import { StateBadge, StateDetail } from "./components/StateBadge";
import { TestButton } from "./components/TestButton";
import "../account/account.css";
import "./webhooks.css";

function EndpointLog({ id }: { id: number }) {
  const { t } = useTranslation("webhooks");
  const endpoint = useEndpoint(id);
  const test = useSendTest("webhook");
  return (
    <section className="stack wh-root">
      <PageHeader title={t("log.title")} />
      <p className="wh-flush">
        <Link to="/webhooks">{t("log.backToWebhooks")}</Link>
      </p>
      <QueryState query={endpoint}>
        {(e) => (
          <div className="card stack">
            <div className="wh-head">
              <p className="wh-card-title wh-url wh-ltr" data-testid="endpoint-url">
                {e.url}
              </p>
              <StateBadge item={e} />
            </div>
            {e.description && (
              <p className="muted wh-flush" dir="auto">
                {e.description}
              </p>
            )}
            <StateDetail item={e} />
            {e.enabled && <TestButton id={id} mutation={test} />}
          </div>
        )}
      </QueryState>
      <DeliveryLog kind="webhook" id={id} canWrite />
    </section>
  );
}

export default function WebhookLog() {
  const { id } = useParams();
  if (!id || !/^\d+$/.test(id)) return <NotFound />;
  return <EndpointLog key={id} id={Number(id)} />;
}
