// The webhooks page, for every role: the caller's endpoints (an admin's: every endpoint),
// a form for a new one whose secret is shown once, and for each endpoint a test send, an
// edit, enabling and disabling, a secret rotation and deletion.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../api/client";
import {
  useDeleteEndpoint,
  useEndpoints,
  useRotateSecret,
  useSendTest,
  useUpdateEndpoint,
} from "../../api/hooks/webhooks";
import { useUser } from "../../auth/useSession";
import { Dialog } from "../../components/Dialog";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { ConfirmForm } from "./components/ConfirmForm";
import { EndpointCard, endpointName } from "./components/EndpointCard";
import { CreateEndpointForm, EditEndpointForm } from "./components/EndpointForm";
import { SecretOnce } from "./components/SecretOnce";
import { WebhookError } from "./components/WebhookError";
import type { EndpointView } from "./lib/endpoints";
import "../account/account.css";
import "./webhooks.css";

/** The latest outcome on one endpoint, shown on its card. */
type Outcome =
  | { id: number; kind: "test"; messageId: string }
  | { id: number; kind: "enabled" | "disabled" | "saved" | "unchanged" }
  | { id: number; kind: "error"; error: unknown };

function OutcomeNotice({ outcome }: { outcome: Outcome }) {
  const { t } = useTranslation("webhooks");
  if (outcome.kind === "error") return <WebhookError error={outcome.error} />;
  return (
    <p className="notice notice-ok" role="status" data-testid="endpoint-notice">
      {outcome.kind === "test" ? (
        <>
          <span>{t("notices.testSent", { id: outcome.messageId })}</span>{" "}
          <Link to={`/webhooks/${outcome.id}`}>{t("notices.openLog")}</Link>
        </>
      ) : (
        t(`notices.${outcome.kind}`)
      )}
    </p>
  );
}

export default function Webhooks() {
  const { t } = useTranslation("webhooks");
  const user = useUser();
  const endpoints = useEndpoints();
  const update = useUpdateEndpoint();
  const test = useSendTest("webhook");
  const rotate = useRotateSecret();
  const remove = useDeleteEndpoint();
  const [secret, setSecret] = useState<{ secret: string; previousUntil?: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deletedName, setDeletedName] = useState<string | null>(null);
  const [editing, setEditing] = useState<EndpointView | null>(null);
  const [rotating, setRotating] = useState<EndpointView | null>(null);
  const [deleting, setDeleting] = useState<EndpointView | null>(null);
  const list = endpoints.data?.pages.flatMap((p) => p.data) ?? [];

  function fresh() {
    setDeletedName(null);
    setOutcome(null);
  }

  function sendTest(e: EndpointView) {
    fresh();
    test.mutate(e.id, {
      onSuccess: (sent) => setOutcome({ id: e.id, kind: "test", messageId: sent.message_id }),
      onError: (error) => setOutcome({ id: e.id, kind: "error", error }),
    });
  }

  function toggle(e: EndpointView) {
    fresh();
    update.mutate(
      { id: e.id, body: { enabled: !e.enabled } },
      {
        onSuccess: (saved) =>
          setOutcome({ id: e.id, kind: saved.enabled ? "enabled" : "disabled" }),
        onError: (error) => setOutcome({ id: e.id, kind: "error", error }),
      },
    );
  }

  return (
    <section className="stack wh-root">
      <PageHeader title={t("webhooks.title")} />
      <p className="muted wh-flush">{t("webhooks.intro")}</p>
      {secret && (
        <SecretOnce
          secret={secret.secret}
          previousUntil={secret.previousUntil}
          onDone={() => setSecret(null)}
        />
      )}
      {deletedName !== null && (
        <p className="notice notice-ok" role="status">
          {t("notices.deleted", { name: deletedName })}
        </p>
      )}
      <CreateEndpointForm
        onCreated={(created: Schemas["NewEndpointView"]) => {
          fresh();
          setSecret({ secret: created.secret });
        }}
      />
      <h2 className="wh-section-title">
        {user.role === "admin" ? t("webhooks.listTitleAdmin") : t("webhooks.listTitle")}
      </h2>
      {endpoints.error ? (
        <WebhookError error={endpoints.error} />
      ) : endpoints.isPending ? (
        <p className="muted" aria-busy="true">
          {t("state.loading", { ns: "common" })}
        </p>
      ) : list.length === 0 ? (
        <p className="muted" data-testid="endpoints-empty">
          {t("webhooks.empty")}
        </p>
      ) : (
        <>
          <ul className="plain-list stack" data-testid="endpoints">
            {list.map((e) => (
              <EndpointCard
                key={e.id}
                e={e}
                showOwner={user.role === "admin"}
                actions={{
                  busy:
                    (test.isPending && test.variables === e.id) ||
                    (update.isPending && update.variables?.id === e.id),
                  onTest: () => sendTest(e),
                  onEdit: () => {
                    fresh();
                    setEditing(e);
                  },
                  onToggle: () => toggle(e),
                  onRotate: () => {
                    fresh();
                    rotate.reset();
                    setRotating(e);
                  },
                  onDelete: () => {
                    fresh();
                    remove.reset();
                    setDeleting(e);
                  },
                }}
              >
                {outcome?.id === e.id && <OutcomeNotice outcome={outcome} />}
              </EndpointCard>
            ))}
          </ul>
          <LoadMore query={endpoints} />
        </>
      )}
      <Dialog
        open={editing !== null}
        title={t("webhooks.editTitle")}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <EditEndpointForm
            endpoint={editing}
            onCancel={() => setEditing(null)}
            onSaved={(changed) => {
              setOutcome({ id: editing.id, kind: changed ? "saved" : "unchanged" });
              setEditing(null);
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={rotating !== null}
        title={t("webhooks.rotate.title")}
        onClose={() => setRotating(null)}
      >
        {rotating && (
          <ConfirmForm
            confirmLabel={t("webhooks.rotate.confirm")}
            pending={rotate.isPending}
            error={rotate.error}
            onCancel={() => setRotating(null)}
            onConfirm={() =>
              rotate.mutate(rotating.id, {
                onSuccess: (r) => {
                  setRotating(null);
                  setSecret({ secret: r.secret, previousUntil: r.previous_secret_until });
                },
              })
            }
          >
            <p className="wh-flush wh-break">{endpointName(rotating)}</p>
            <p className="wh-flush">{t("webhooks.rotate.body")}</p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title={t("webhooks.delete.title")}
        onClose={() => setDeleting(null)}
      >
        {deleting && (
          <ConfirmForm
            confirmLabel={t("webhooks.delete.confirm")}
            danger
            pending={remove.isPending}
            error={remove.error}
            onCancel={() => setDeleting(null)}
            onConfirm={() =>
              remove.mutate(deleting.id, {
                onSuccess: () => {
                  setDeletedName(endpointName(deleting));
                  setDeleting(null);
                },
              })
            }
          >
            <p className="wh-flush wh-break">{endpointName(deleting)}</p>
            <p className="wh-flush">{t("webhooks.delete.body")}</p>
          </ConfirmForm>
        )}
      </Dialog>
    </section>
  );
}
