// The promoters' postbacks page: their postback URLs (one per offer they joined, or one for
// all), a form for a new one with the macros as help, and for each a test send, an edit,
// enabling and disabling, and deletion. Admins read every promoter's; advertisers have none
// (the API says so, and the page shows it).
import { type ReactNode, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAllLinks } from "../../api/hooks/links";
import {
  useDeletePostback,
  usePostbacks,
  useUpdatePostback,
} from "../../api/hooks/promoterPostbacks";
import { useSendTest } from "../../api/hooks/webhooks";
import { useUser } from "../../auth/useSession";
import { Dialog } from "../../components/Dialog";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { currentLanguage } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { ConfirmForm } from "./components/ConfirmForm";
import { CreatePostbackForm, EditPostbackForm } from "./components/PostbackForm";
import { StateBadge, StateDetail } from "./components/StateBadge";
import { WebhookError } from "./components/WebhookError";
import { joinedOffers, type PostbackView } from "./lib/endpoints";
import "../account/account.css";
import "./webhooks.css";

type Outcome =
  | { id: number; kind: "test"; messageId: string }
  | { id: number; kind: "enabled" | "disabled" | "saved" | "unchanged" }
  | { id: number; kind: "error"; error: unknown };

function OutcomeNotice({ outcome }: { outcome: Outcome }) {
  const { t } = useTranslation("webhooks");
  if (outcome.kind === "error") return <WebhookError error={outcome.error} />;
  return (
    <p className="notice notice-ok" role="status" data-testid="postback-notice">
      {outcome.kind === "test" ? (
        <>
          <span>{t("notices.testSent", { id: outcome.messageId })}</span>{" "}
          <Link to={`/postbacks/${outcome.id}`}>{t("notices.openLog")}</Link>
        </>
      ) : (
        t(`postbacks.notices.${outcome.kind}`)
      )}
    </p>
  );
}

/** The offer of a postback in words: its name when the promoter joined it, else its id. */
function useOfferText(offers: { id: number; name: string }[] | undefined) {
  const { t } = useTranslation("webhooks");
  const names = useMemo(() => new Map((offers ?? []).map((o) => [o.id, o.name])), [offers]);
  return (offerId: number | null | undefined) => {
    if (offerId == null) return t("postbacks.allOffers");
    const name = names.get(offerId);
    return name
      ? t("postbacks.offerLabel", { id: offerId, name })
      : t("postbacks.offerRef", { id: offerId });
  };
}

function PostbackCard({
  p,
  offerText,
  canWrite,
  showOwner,
  busy,
  onTest,
  onEdit,
  onToggle,
  onDelete,
  children,
}: {
  p: PostbackView;
  offerText: string;
  canWrite: boolean;
  showOwner: boolean;
  busy: boolean;
  onTest: () => void;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation("webhooks");
  const lang = currentLanguage();
  return (
    <li className="card stack" data-testid="postback" data-postback-id={p.id}>
      <div className="wh-head">
        <h3 className="wh-card-title" data-testid="postback-offer">
          {offerText}
        </h3>
        <StateBadge item={p} />
      </div>
      <StateDetail item={p} />
      <dl className="details">
        <dt>{t("postbacks.fields.url")}</dt>
        <dd>
          <code className="wh-ltr wh-break" data-testid="postback-url">
            {p.url}
          </code>
        </dd>
        <dt>{t("postbacks.fields.onReversal")}</dt>
        <dd>{p.on_reversal ? t("postbacks.fields.yes") : t("postbacks.fields.no")}</dd>
        {showOwner && p.promoter_id != null && (
          <>
            <dt>{t("fields.owner")}</dt>
            <dd>{t("fields.ownerPromoter", { id: p.promoter_id })}</dd>
          </>
        )}
        <dt>{t("fields.created")}</dt>
        <dd>{formatDateTime(p.created_at, lang)}</dd>
      </dl>
      <div className="row wh-actions">
        <Link
          className="btn btn-small"
          to={`/postbacks/${p.id}`}
          aria-label={t("actions.logNamed", { name: offerText })}
        >
          {t("actions.log")}
        </Link>
        {canWrite && (
          <>
            {p.enabled && (
              <button
                type="button"
                className="btn btn-small"
                disabled={busy}
                aria-label={t("postbacks.testNamed", { name: offerText })}
                onClick={onTest}
              >
                {t("actions.test")}
              </button>
            )}
            <button
              type="button"
              className="btn btn-small"
              aria-label={t("actions.editNamed", { name: offerText })}
              onClick={onEdit}
            >
              {t("actions.edit")}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              aria-label={t(p.enabled ? "actions.disableNamed" : "actions.enableNamed", {
                name: offerText,
              })}
              onClick={onToggle}
            >
              {p.enabled ? t("actions.disable") : t("actions.enable")}
            </button>
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={t("actions.deleteNamed", { name: offerText })}
              onClick={onDelete}
            >
              {t("actions.delete")}
            </button>
          </>
        )}
      </div>
      {children}
    </li>
  );
}

export default function Postbacks() {
  const { t } = useTranslation("webhooks");
  const user = useUser();
  const isPromoter = user.role === "promoter";
  const postbacks = usePostbacks();
  const links = useAllLinks(isPromoter);
  const lang = currentLanguage();
  const offers = useMemo(
    () => (links.data ? joinedOffers(links.data, lang) : undefined),
    [links.data, lang],
  );
  const offerText = useOfferText(offers);
  const update = useUpdatePostback();
  const test = useSendTest("postback");
  const remove = useDeletePostback();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<PostbackView | null>(null);
  const [deleting, setDeleting] = useState<PostbackView | null>(null);
  const list = postbacks.data?.pages.flatMap((p) => p.data) ?? [];

  function fresh() {
    setNotice(null);
    setOutcome(null);
  }

  return (
    <section className="stack wh-root">
      <PageHeader title={t("postbacks.title")} />
      <p className="muted wh-flush">{t("postbacks.intro")}</p>
      {notice && (
        <p className="notice notice-ok" role="status" data-testid="postbacks-notice">
          {notice}
        </p>
      )}
      {isPromoter && (
        <>
          {links.error ? <WebhookError error={links.error} /> : null}
          <CreatePostbackForm
            offers={offers}
            onCreated={(p) => {
              fresh();
              setNotice(t("postbacks.notices.created", { offer: offerText(p.offer_id) }));
            }}
          />
        </>
      )}
      {user.role !== "advertiser" && (
        <h2 className="wh-section-title">
          {isPromoter ? t("postbacks.listTitle") : t("postbacks.listTitleAdmin")}
        </h2>
      )}
      {postbacks.error ? (
        <WebhookError error={postbacks.error} />
      ) : postbacks.isPending ? (
        <p className="muted" aria-busy="true">
          {t("state.loading", { ns: "common" })}
        </p>
      ) : list.length === 0 ? (
        <p className="muted" data-testid="postbacks-empty">
          {t("postbacks.empty")}
        </p>
      ) : (
        <>
          <ul className="plain-list stack" data-testid="postbacks">
            {list.map((p) => (
              <PostbackCard
                key={p.id}
                p={p}
                offerText={offerText(p.offer_id)}
                canWrite={isPromoter}
                showOwner={!isPromoter}
                busy={
                  (test.isPending && test.variables === p.id) ||
                  (update.isPending && update.variables?.id === p.id)
                }
                onTest={() => {
                  fresh();
                  test.mutate(p.id, {
                    onSuccess: (sent) =>
                      setOutcome({ id: p.id, kind: "test", messageId: sent.message_id }),
                    onError: (error) => setOutcome({ id: p.id, kind: "error", error }),
                  });
                }}
                onEdit={() => {
                  fresh();
                  setEditing(p);
                }}
                onToggle={() => {
                  fresh();
                  update.mutate(
                    { id: p.id, body: { enabled: !p.enabled } },
                    {
                      onSuccess: (saved) =>
                        setOutcome({ id: p.id, kind: saved.enabled ? "enabled" : "disabled" }),
                      onError: (error) => setOutcome({ id: p.id, kind: "error", error }),
                    },
                  );
                }}
                onDelete={() => {
                  fresh();
                  remove.reset();
                  setDeleting(p);
                }}
              >
                {outcome?.id === p.id && <OutcomeNotice outcome={outcome} />}
              </PostbackCard>
            ))}
          </ul>
          <LoadMore query={postbacks} />
        </>
      )}
      <Dialog
        open={editing !== null}
        title={t("postbacks.editTitle")}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <EditPostbackForm
            postback={editing}
            onCancel={() => setEditing(null)}
            onSaved={(changed) => {
              setOutcome({ id: editing.id, kind: changed ? "saved" : "unchanged" });
              setEditing(null);
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title={t("postbacks.delete.title")}
        onClose={() => setDeleting(null)}
      >
        {deleting && (
          <ConfirmForm
            confirmLabel={t("postbacks.delete.confirm")}
            danger
            pending={remove.isPending}
            error={remove.error}
            onCancel={() => setDeleting(null)}
            onConfirm={() =>
              remove.mutate(deleting.id, {
                onSuccess: () => {
                  setNotice(
                    t("postbacks.notices.deleted", { offer: offerText(deleting.offer_id) }),
                  );
                  setDeleting(null);
                },
              })
            }
          >
            <p className="wh-flush">{offerText(deleting.offer_id)}</p>
            <p className="wh-flush">{t("postbacks.delete.body")}</p>
          </ConfirmForm>
        )}
      </Dialog>
    </section>
  );
}
