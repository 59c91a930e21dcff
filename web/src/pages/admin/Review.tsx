import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { useApproveOffer, useReviewQueue } from "../../api/hooks/admin";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { OfferDetails } from "./components/OfferDetails";
import { RejectForm } from "./components/RejectForm";
import "../account/account.css";

type Offer = Schemas["OfferView"];

export default function Review() {
  const { t } = useTranslation("admin");
  const queue = useReviewQueue();
  const approve = useApproveOffer();
  const [rejecting, setRejecting] = useState<Offer | null>(null);
  // The last decision (translated when shown, so a language switch follows).
  const [decided, setDecided] = useState<{ action: "approved" | "rejected"; name: string } | null>(
    null,
  );
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  async function onApprove(offer: Offer) {
    setDecided(null);
    setFailure(null);
    setBusy(offer.id);
    try {
      await approve.mutateAsync(offer.id);
      setDecided({ action: "approved", name: offer.name });
    } catch (e) {
      // A 409 means someone decided first: the queue is read again either way.
      setFailure(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <PageHeader title={t("review.title")} />
      <div className="stack">
        <p className="muted">{t("review.intro")}</p>
        {decided && (
          <p className="notice notice-ok" role="status" data-testid="review-notice">
            {t(`review.${decided.action}`, { name: decided.name })}
          </p>
        )}
        {failure ? <ErrorNotice error={failure} /> : null}
        <QueryState query={queue}>
          {({ pages }) => {
            const offers = pages.flatMap((p) => p.data);
            if (offers.length === 0) return <p className="muted">{t("review.empty")}</p>;
            return (
              <>
                <ul className="plain-list stack" aria-label={t("review.listLabel")}>
                  {offers.map((o) => (
                    <li key={o.id} className="card stack" data-testid="review-offer">
                      <h2 className="card-title" dir="auto">
                        {o.name}
                      </h2>
                      <OfferDetails offer={o} />
                      <div className="row">
                        <button
                          type="button"
                          className="btn btn-primary"
                          aria-label={t("review.approveNamed", { name: o.name })}
                          disabled={busy === o.id}
                          onClick={() => onApprove(o)}
                        >
                          {t("review.approve")}
                        </button>
                        <button
                          type="button"
                          className="btn btn-danger"
                          aria-label={t("review.rejectNamed", { name: o.name })}
                          disabled={busy === o.id}
                          onClick={() => {
                            setDecided(null);
                            setFailure(null);
                            setRejecting(o);
                          }}
                        >
                          {t("review.reject")}
                        </button>
                      </div>
                    </li>
                  ))}
                </ul>
                <LoadMore query={queue} />
              </>
            );
          }}
        </QueryState>
        <Dialog
          open={rejecting !== null}
          title={t("review.rejectTitle", { name: rejecting?.name ?? "" })}
          onClose={() => setRejecting(null)}
        >
          {rejecting && (
            <RejectForm
              offer={rejecting}
              onCancel={() => setRejecting(null)}
              onRejected={() => {
                setDecided({ action: "rejected", name: rejecting.name });
                setRejecting(null);
              }}
            />
          )}
        </Dialog>
      </div>
    </section>
  );
}
