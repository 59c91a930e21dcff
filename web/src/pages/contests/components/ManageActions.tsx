// What an admin, or the advertiser whose contest it is, does with it: edit, publish or delete
// a draft; cancel (with a reason) a draft, a scheduled or a running contest. Each but editing
// is confirmed in a dialog.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ApiError } from "../../../api/errors";
import {
  type ContestView,
  useCancelContest,
  useDeleteContest,
  usePublishContest,
} from "../../../api/hooks/contests";
import { ConfirmForm } from "../../../components/ConfirmForm";
import { Dialog } from "../../../components/Dialog";
import { TextArea } from "../../../components/Field";
import { managerActions } from "../lib/display";
import { ContestError } from "./ContestError";

export type ManageOutcome = "published" | "cancelled" | "deleted";

export function ManageActions({
  contest,
  onDone,
}: {
  contest: ContestView;
  onDone: (o: ManageOutcome) => void;
}) {
  const { t } = useTranslation("contests");
  const can = managerActions(contest.status);
  const publish = usePublishContest(contest.id);
  const cancel = useCancelContest(contest.id);
  const remove = useDeleteContest(contest.id);
  const [open, setOpen] = useState<ManageOutcome | null>(null);
  const [reason, setReason] = useState("");
  const reasonError = cancel.error instanceof ApiError ? cancel.error.fields.reason : undefined;

  if (!can.edit && !can.publish && !can.remove && !can.cancel) return null;
  function show(o: ManageOutcome) {
    for (const m of [publish, cancel, remove]) m.reset();
    setReason("");
    setOpen(o);
  }
  const close = () => setOpen(null);

  return (
    <section className="card stack" aria-labelledby="contest-manage-title" data-testid="manage">
      <h2 id="contest-manage-title" className="contest-h2">
        {t("manage.title")}
      </h2>
      {contest.status === "draft" && <p className="muted contest-flush">{t("manage.draftHint")}</p>}
      <div className="row contest-actions">
        {can.edit && (
          <Link className="btn" to={`/contests/${contest.id}/edit`}>
            {t("manage.edit")}
          </Link>
        )}
        {can.publish && (
          <button type="button" className="btn btn-primary" onClick={() => show("published")}>
            {t("manage.publish")}
          </button>
        )}
        {can.remove && (
          <button type="button" className="btn btn-danger" onClick={() => show("deleted")}>
            {t("manage.delete")}
          </button>
        )}
        {can.cancel && (
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => show("cancelled")}
            data-testid="cancel-contest"
          >
            {t("manage.cancel")}
          </button>
        )}
      </div>

      <Dialog open={open === "published"} title={t("manage.publishTitle")} onClose={close}>
        {open === "published" && (
          <ConfirmForm
            confirmLabel={t("manage.publishConfirm")}
            pending={publish.isPending}
            error={publish.error}
            errorView={ContestError}
            onCancel={close}
            onConfirm={() =>
              publish.mutate(undefined, {
                onSuccess: () => {
                  close();
                  onDone("published");
                },
              })
            }
          >
            <p className="contest-flush">{t("manage.publishBody")}</p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog open={open === "deleted"} title={t("manage.deleteTitle")} onClose={close}>
        {open === "deleted" && (
          <ConfirmForm
            confirmLabel={t("manage.deleteConfirm")}
            danger
            pending={remove.isPending}
            error={remove.error}
            errorView={ContestError}
            onCancel={close}
            onConfirm={() =>
              remove.mutate(undefined, {
                onSuccess: () => {
                  close();
                  onDone("deleted");
                },
              })
            }
          >
            <p className="contest-flush">{t("manage.deleteBody", { name: contest.name })}</p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog open={open === "cancelled"} title={t("manage.cancelTitle")} onClose={close}>
        {open === "cancelled" && (
          <ConfirmForm
            confirmLabel={t("manage.cancelConfirm")}
            cancelLabel={t("manage.keep")}
            danger
            pending={cancel.isPending}
            error={reasonError ? null : cancel.error}
            errorView={ContestError}
            onCancel={close}
            onConfirm={() =>
              cancel.mutate(reason.trim(), {
                onSuccess: () => {
                  close();
                  onDone("cancelled");
                },
              })
            }
          >
            <p className="contest-flush">{t("manage.cancelBody")}</p>
            <TextArea
              label={t("manage.reason")}
              hint={t("manage.reasonHint")}
              name="reason"
              rows={3}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              error={reasonError}
            />
          </ConfirmForm>
        )}
      </Dialog>
    </section>
  );
}
