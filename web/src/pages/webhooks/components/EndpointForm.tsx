import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { useCreateEndpoint, useEventTypes, useUpdateEndpoint } from "../../../api/hooks/webhooks";
import { TextField } from "../../../components/Field";
import { useApiForm } from "../../../components/useApiForm";
import {
  choiceOf,
  type EndpointView,
  endpointChanges,
  listFieldErrors,
  type TypeChoice,
  typesToSend,
} from "../lib/endpoints";
import { EventTypePicker } from "./EventTypePicker";
import { WebhookError } from "./WebhookError";

/** The URL, description and event types of an endpoint, and their errors. */
function useEndpointFields(initial: EndpointView | undefined) {
  const [url, setUrl] = useState(initial?.url ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [choice, setChoice] = useState<TypeChoice>(choiceOf(initial?.event_types ?? []));
  const [noneChosen, setNoneChosen] = useState(false);
  return {
    url,
    setUrl,
    description,
    setDescription,
    choice,
    setChoice: (c: TypeChoice) => {
      setNoneChosen(false);
      setChoice(c);
    },
    noneChosen,
    setNoneChosen,
    reset: () => {
      setUrl("");
      setDescription("");
      setChoice({ mode: "all", chosen: [] });
    },
  };
}

function Fields({
  fields,
  apiErrors,
}: {
  fields: ReturnType<typeof useEndpointFields>;
  apiErrors: Record<string, string>;
}) {
  const { t } = useTranslation("webhooks");
  const types = useEventTypes();
  const typesError = fields.noneChosen
    ? t("types.noneChosen")
    : listFieldErrors(apiErrors, "event_types");
  return (
    <>
      <TextField
        label={t("form.url")}
        name="url"
        type="url"
        inputMode="url"
        dir="ltr"
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2048}
        hint={t("form.urlHint")}
        value={fields.url}
        onChange={(e) => fields.setUrl(e.target.value)}
        error={apiErrors.url}
      />
      <TextField
        label={t("form.description")}
        name="description"
        maxLength={500}
        hint={t("form.descriptionHint")}
        value={fields.description}
        onChange={(e) => fields.setDescription(e.target.value)}
        error={apiErrors.description}
      />
      {types.error ? (
        <WebhookError error={types.error} />
      ) : (
        <EventTypePicker
          types={types.data?.data ?? []}
          value={fields.choice}
          onChange={fields.setChoice}
          error={typesError}
        />
      )}
    </>
  );
}

/** The form for a new endpoint; the created endpoint (with its secret) goes to `onCreated`. */
export function CreateEndpointForm({
  onCreated,
}: {
  onCreated: (e: Schemas["NewEndpointView"]) => void;
}) {
  const { t } = useTranslation("webhooks");
  const create = useCreateEndpoint();
  const form = useApiForm();
  const fields = useEndpointFields(undefined);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const types = typesToSend(fields.choice);
    if (types === "none_chosen") {
      fields.setNoneChosen(true);
      return;
    }
    const created = await form.submit(() =>
      create.mutateAsync({
        url: fields.url.trim(),
        description: fields.description.trim(),
        event_types: types,
      }),
    );
    if (created) {
      fields.reset();
      onCreated(created);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="wh-create">
      <h2 id="wh-create" className="wh-card-title">
        {t("form.createTitle")}
      </h2>
      {form.error ? <WebhookError error={form.error} /> : null}
      <Fields fields={fields} apiErrors={form.fields} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? t("form.creating") : t("form.create")}
        </button>
      </div>
    </form>
  );
}

/** The edit form of an endpoint (in a dialog): sends only what changed. */
export function EditEndpointForm({
  endpoint,
  onSaved,
  onCancel,
}: {
  endpoint: EndpointView;
  onSaved: (changed: boolean) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("webhooks");
  const { t: tc } = useTranslation();
  const update = useUpdateEndpoint();
  const form = useApiForm();
  const fields = useEndpointFields(endpoint);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const types = typesToSend(fields.choice);
    if (types === "none_chosen") {
      fields.setNoneChosen(true);
      return;
    }
    const body = endpointChanges(endpoint, {
      url: fields.url,
      description: fields.description,
      types,
    });
    if (!body) {
      onSaved(false);
      return;
    }
    const saved = await form.submit(() => update.mutateAsync({ id: endpoint.id, body }));
    if (saved) onSaved(true);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      {form.error ? <WebhookError error={form.error} /> : null}
      <Fields fields={fields} apiErrors={form.fields} />
      <div className="row wh-dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? tc("state.saving") : t("form.save")}
        </button>
      </div>
    </form>
  );
}
