// One promoter postback's delivery log: the postback (offer, URL, state, a test send), then
// the URLs called with their attempts (components/DeliveryLog.tsx).
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { usePostback } from "../../api/hooks/promoterPostbacks";
import { useSendTest } from "../../api/hooks/webhooks";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { NotFound } from "../NotFound";
import { DeliveryLog } from "./components/DeliveryLog";
import { StateBadge, StateDetail } from "./components/StateBadge";
import { TestButton } from "./components/TestButton";
import "../account/account.css";
import "./webhooks.css";

function PostbackLogPage({ id }: { id: number }) {
  const { t } = useTranslation("webhooks");
  const user = useUser();
  // Promoters own their postbacks; an admin may send messages again but not test.
  const isPromoter = user.role === "promoter";
  const postback = usePostback(id);
  const test = useSendTest("postback");
  return (
    <section className="stack wh-root">
      <PageHeader title={t("log.title")} />
      <p className="wh-flush">
        <Link to="/postbacks">{t("log.backToPostbacks")}</Link>
      </p>
      <QueryState query={postback}>
        {(p) => (
          <div className="card stack">
            <div className="wh-head">
              <p className="wh-card-title">
                {p.offer_id == null
                  ? t("postbacks.allOffers")
                  : t("postbacks.offerRef", { id: p.offer_id })}
              </p>
              <StateBadge item={p} />
            </div>
            <code className="wh-ltr wh-break" data-testid="postback-url">
              {p.url}
            </code>
            <StateDetail item={p} />
            {isPromoter && p.enabled && <TestButton id={id} mutation={test} />}
          </div>
        )}
      </QueryState>
      <DeliveryLog kind="postback" id={id} canWrite={user.role !== "advertiser"} />
    </section>
  );
}

export default function PostbackLog() {
  const { id } = useParams();
  if (!id || !/^\d+$/.test(id)) return <NotFound />;
  return <PostbackLogPage key={id} id={Number(id)} />;
}
