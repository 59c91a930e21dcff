import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import {
  type EventType,
  eventTypeKey,
  isKnownEventType,
  type TypeChoice,
  toggleType,
} from "../lib/endpoints";

/**
 * Which events an endpoint gets: all of them (the API's empty list, types added later
 * included), or only the ticked ones among those the API offers the caller's role.
 */
export function EventTypePicker({
  types,
  value,
  onChange,
  error,
}: {
  types: readonly Schemas["EventTypeView"][];
  value: TypeChoice;
  onChange: (v: TypeChoice) => void;
  /** The form's or the API's message about the types. */
  error?: string | undefined;
}) {
  const { t } = useTranslation("webhooks");
  const id = useId();
  const errorId = `${id}-error`;
  const order = types.map((x) => x.type);
  return (
    <fieldset
      className={`choice${error ? " field-invalid" : ""}`}
      aria-describedby={error ? errorId : undefined}
    >
      <legend>{t("types.legend")}</legend>
      <label className="choice-item">
        <input
          type="radio"
          name={`${id}-mode`}
          value="all"
          checked={value.mode === "all"}
          onChange={() => onChange({ ...value, mode: "all" })}
        />
        <span>{t("types.all")}</span>
      </label>
      <label className="choice-item">
        <input
          type="radio"
          name={`${id}-mode`}
          value="some"
          checked={value.mode === "some"}
          onChange={() => onChange({ ...value, mode: "some" })}
        />
        <span>{t("types.some")}</span>
      </label>
      {value.mode === "some" && (
        <fieldset className="wh-types">
          <legend className="visually-hidden">{t("types.someLegend")}</legend>
          {types.map((x) => (
            <label key={x.type} className="choice-item">
              <input
                type="checkbox"
                name="event_types"
                value={x.type}
                checked={value.chosen.includes(x.type)}
                onChange={(e) =>
                  onChange({
                    mode: "some",
                    chosen: toggleType(value.chosen, x.type, e.target.checked, order),
                  })
                }
              />
              <span>
                <code className="wh-ltr">{x.type}</code>{" "}
                <span className="muted">{typeText(x, t)}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <small className="hint">{t("types.testHint")}</small>
      {error && (
        <small id={errorId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}

/** What an event type means: ours in the user's language, else the API's words. */
export function typeText(
  x: { type: EventType | string; description?: string },
  t: (key: string) => string,
): string {
  return isKnownEventType(x.type) ? t(`eventTypes.${eventTypeKey[x.type]}`) : (x.description ?? "");
}
