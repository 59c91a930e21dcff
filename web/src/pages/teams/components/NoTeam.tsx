// The page of a promoter in no team: create one, or join one with a code (prefilled when the
// page was opened from an invite link).
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { TextField } from "../../../components/Field";
import { useCreateTeam, useJoinTeam } from "../lib/hooks";
import { normaliseCode } from "../lib/invite";
import type { TeamView } from "../lib/team";
import { TeamError, useTeamErrorText } from "./TeamError";

/** A field's error: the team page's words for a known refusal, else the API's message. */
function fieldError(error: unknown, field: string, text: string | null): string | undefined {
  if (!(error instanceof ApiError) || !error.fields[field]) return undefined;
  return text ?? error.fields[field];
}

export function NoTeam({
  initialCode,
  onDone,
}: {
  initialCode: string | null;
  onDone: (kind: "created" | "joined", team: TeamView) => void;
}) {
  const { t } = useTranslation("teams");
  const errorText = useTeamErrorText();
  const create = useCreateTeam();
  const join = useJoinTeam();
  const [name, setName] = useState("");
  const [code, setCode] = useState(initialCode ?? "");
  const nameError = fieldError(create.error, "name", null);
  const codeError = fieldError(join.error, "invite_code", errorText(join.error));

  function submitCreate(e: FormEvent) {
    e.preventDefault();
    join.reset();
    // mutateAsync: the answer unmounts this form (the page shows the team), and a mutate's own
    // callbacks are skipped once its component is gone.
    create
      .mutateAsync(name)
      .then((team) => team && onDone("created", team))
      .catch(() => undefined);
  }
  function submitJoin(e: FormEvent) {
    e.preventDefault();
    create.reset();
    join
      .mutateAsync(normaliseCode(code))
      .then((team) => team && onDone("joined", team))
      .catch(() => undefined);
  }

  const joinForm = (
    <form key="join" className="card stack" onSubmit={submitJoin} aria-labelledby="team-join-title">
      <h2 id="team-join-title" className="team-card-title">
        {t("join.title")}
      </h2>
      {initialCode && <p className="muted team-flush">{t("join.fromLink")}</p>}
      <TextField
        label={t("join.code")}
        hint={t("join.codeHint")}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={codeError}
        required
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        dir="ltr"
        data-testid="join-code"
      />
      {join.error && !codeError ? <TeamError error={join.error} /> : null}
      <div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={join.isPending}
          aria-busy={join.isPending || undefined}
        >
          {join.isPending ? t("state.saving", { ns: "common" }) : t("join.submit")}
        </button>
      </div>
    </form>
  );
  const createForm = (
    <form
      key="create"
      className="card stack"
      onSubmit={submitCreate}
      aria-labelledby="team-create-title"
    >
      <h2 id="team-create-title" className="team-card-title">
        {t("create.title")}
      </h2>
      <TextField
        label={t("create.name")}
        hint={t("create.nameHint")}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={nameError}
        required
        minLength={2}
        maxLength={60}
        autoComplete="off"
      />
      {create.error && !nameError ? <TeamError error={create.error} /> : null}
      <div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending}
          aria-busy={create.isPending || undefined}
        >
          {create.isPending ? t("state.saving", { ns: "common" }) : t("create.submit")}
        </button>
      </div>
    </form>
  );
  // An invite link's visitor came to join: that form first.
  return (
    <div className="team-forms">
      {initialCode ? [joinForm, createForm] : [createForm, joinForm]}
    </div>
  );
}
