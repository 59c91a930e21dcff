// Webhook endpoints and promoter postbacks as the pages show them: their state, the event
// types an endpoint asks for, and the changes an edit sends. The rules mirror the control
// plane's (control-plane/src/webhooks/http/endpoints.rs and postbacks.rs).
import type { Schemas } from "../../../api/client";

export type EventType = Schemas["EventType"];
export type EndpointView = Schemas["EndpointView"];
export type PostbackView = Schemas["PostbackView"];

/**
 * The translation key of each event type (i18next reads "." as a key separator, so the wire
 * names cannot be keys themselves).
 */
export const eventTypeKey: Record<EventType, string> = {
  "conversion.created": "conversionCreated",
  "conversion.updated": "conversionUpdated",
  "offer.updated": "offerUpdated",
  "promoter.joined": "promoterJoined",
  "points.level_reached": "pointsLevelReached",
  "contest.finished": "contestFinished",
  "test.ping": "testPing",
};

/** Whether `name` is an event type this app knows (the API may add some first). */
export function isKnownEventType(name: string): name is EventType {
  return Object.hasOwn(eventTypeKey, name);
}

/**
 * What an endpoint receives: every type its owner may see (the API's empty list, which also
 * covers types added later), or only the chosen ones.
 */
export interface TypeChoice {
  mode: "all" | "some";
  chosen: EventType[];
}

/** The form's choice for an endpoint's `event_types` (empty: all). */
export function choiceOf(eventTypes: readonly EventType[]): TypeChoice {
  return eventTypes.length === 0
    ? { mode: "all", chosen: [] }
    : { mode: "some", chosen: [...eventTypes] };
}

/**
 * The chosen types after ticking (`on`) or unticking `type`: in the order of `order` (the
 * API's list), then any chosen type the list lacks, kept as it was.
 */
export function toggleType(
  chosen: readonly EventType[],
  type: EventType,
  on: boolean,
  order: readonly EventType[],
): EventType[] {
  const next = new Set(chosen);
  if (on) next.add(type);
  else next.delete(type);
  const listed = order.filter((t) => next.has(t));
  const others = chosen.filter((t) => next.has(t) && !order.includes(t));
  return [...listed, ...others];
}

/**
 * What to send as `event_types`, or `"none_chosen"` when "only these" has none ticked (the
 * API would read an empty list as every type, the opposite of what the form shows).
 */
export function typesToSend(choice: TypeChoice): EventType[] | "none_chosen" {
  if (choice.mode === "all") return [];
  return choice.chosen.length === 0 ? "none_chosen" : [...choice.chosen];
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

/** An endpoint's fields as the edit form holds them. */
export interface EndpointDraft {
  url: string;
  description: string;
  types: EventType[];
}

/**
 * The PATCH body for an edit: only what changed (an unchanged URL is not sent, so it is not
 * checked again); null when nothing changed.
 */
export function endpointChanges(
  before: Pick<EndpointView, "url" | "description" | "event_types">,
  after: EndpointDraft,
): Schemas["UpdateEndpoint"] | null {
  const body: Schemas["UpdateEndpoint"] = {};
  const url = after.url.trim();
  const description = after.description.trim();
  if (url !== before.url) body.url = url;
  if (description !== before.description) body.description = description;
  if (!sameTypes(before.event_types, after.types)) body.event_types = after.types;
  return Object.keys(body).length > 0 ? body : null;
}

/** The PATCH body for a postback edit: only what changed; null when nothing changed. */
export function postbackChanges(
  before: Pick<PostbackView, "url" | "on_reversal">,
  after: { url: string; onReversal: boolean },
): Schemas["UpdatePostback"] | null {
  const body: Schemas["UpdatePostback"] = {};
  const url = after.url.trim();
  if (url !== before.url) body.url = url;
  if (after.onReversal !== before.on_reversal) body.on_reversal = after.onReversal;
  return Object.keys(body).length > 0 ? body : null;
}

/** Why the API disabled an endpoint (or its owner did). */
export type DisabledReason = "owner" | "gone" | "failing" | "other";

/** An endpoint's (or postback's) state as one word, and why when disabled. */
export type EndpointState =
  | { state: "enabled" }
  | { state: "failing"; since: string }
  | { state: "disabled"; reason: DisabledReason };

export function endpointState(e: {
  enabled: boolean;
  disabled_reason?: string | null;
  failing_since?: string | null;
}): EndpointState {
  if (!e.enabled) {
    const r = e.disabled_reason;
    return {
      state: "disabled",
      reason: r === "owner" || r === "gone" || r === "failing" ? r : "other",
    };
  }
  if (e.failing_since) return { state: "failing", since: e.failing_since };
  return { state: "enabled" };
}

/** The badge class of a state. */
export function stateBadge(s: EndpointState["state"]): string {
  switch (s) {
    case "enabled":
      return "badge badge-ok";
    case "failing":
      return "badge badge-warn";
    case "disabled":
      return "badge badge-danger";
  }
}

/** The macros a postback template may hold (DESIGN §12; the API fills them percent-encoded). */
export const POSTBACK_MACROS = [
  "click_id",
  "sub1",
  "sub2",
  "sub3",
  "sub4",
  "sub5",
  "payout",
  "currency",
  "offer_id",
  "status",
  "txid",
] as const;

export type PostbackMacro = (typeof POSTBACK_MACROS)[number];

/** Every `{name}` in a postback template that is not one of the macros (sent as written). */
export function unknownMacros(template: string): string[] {
  const found = new Set<string>();
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    const name = m[1] ?? "";
    if (!(POSTBACK_MACROS as readonly string[]).includes(name)) found.add(`{${name}}`);
  }
  return [...found];
}

/**
 * The API's messages for a list field (`event_types`, and `event_types[2]` for one item),
 * joined, for a group of checkboxes.
 */
export function listFieldErrors(fields: Record<string, string>, name: string): string | undefined {
  const item = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\[\\d+\\]$`);
  const messages = Object.entries(fields)
    .filter(([k]) => k === name || item.test(k))
    .map(([, m]) => m);
  return messages.length > 0 ? messages.join("; ") : undefined;
}

/** The offers a promoter joined, once each, by name, from its links. */
export function joinedOffers(
  links: readonly { offer_id: number; offer_name: string }[],
  lang: string,
): { id: number; name: string }[] {
  const byId = new Map<number, string>();
  for (const l of links) if (!byId.has(l.offer_id)) byId.set(l.offer_id, l.offer_name);
  return [...byId]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name, lang) || a.id - b.id);
}
