// The offer form: what its inputs hold (text, as typed), the body the API takes
// (POST /v1/offers, PATCH /v1/offers/{id}: OfferInput), and which reviewed fields an edit
// changes (control-plane/src/offers/rules.rs: reviewed_changes).
import type { Schemas } from "../../../api/client";
import { compareDecimal, isDecimal } from "./decimal";

export type PayoutModel = Schemas["PayoutModel"];
export type OfferView = Schemas["OfferView"];
export type OfferInput = Schemas["OfferInput"];
export type FraudPolicy = Schemas["FraudPolicy"];

export const FRAUD_POLICIES: readonly FraudPolicy[] = ["reject", "review"];

/** The longest minimum click-to-conversion time the API takes, in seconds (a day). */
export const MAX_MIN_CTIT_SECONDS = 86_400;

export const PAYOUT_MODELS: readonly PayoutModel[] = ["cpa", "cpl", "cps", "revshare"];

/** cpa and cpl pay a fixed amount; cps and revshare a percentage. */
export function isFixed(model: PayoutModel): boolean {
  return model === "cpa" || model === "cpl";
}

/** The API's default attribution window: 30 days. */
export const DEFAULT_WINDOW_HOURS = 720;

export interface OfferForm {
  name: string;
  description: string;
  category: string;
  url_template: string;
  fallback_url: string;
  preview_url: string;
  payout_model: PayoutModel;
  payout_amount: string;
  payout_percent: string;
  currency: string;
  attribution_window_hours: string;
  daily_cap: string;
  total_cap: string;
  geo_allow: string[];
  geo_deny: string[];
  hold_conversions: boolean;
  /** Hold the conversions from web pages (the Web SDK's, `source: browser`) for review. */
  review_browser: boolean;
  /** Seconds, as typed; empty: the platform's setting. */
  min_ctit_seconds: string;
  fraud_policy: FraudPolicy;
}

export function emptyOfferForm(): OfferForm {
  return {
    name: "",
    description: "",
    category: "",
    url_template: "",
    fallback_url: "",
    preview_url: "",
    payout_model: "cpa",
    payout_amount: "",
    payout_percent: "",
    currency: "USD",
    attribution_window_hours: String(DEFAULT_WINDOW_HOURS),
    daily_cap: "",
    total_cap: "",
    geo_allow: [],
    geo_deny: [],
    hold_conversions: false,
    review_browser: false,
    min_ctit_seconds: "",
    fraud_policy: "reject",
  };
}

/** The form filled with a stored offer, for editing. */
export function offerToForm(o: OfferView): OfferForm {
  return {
    name: o.name,
    description: o.description,
    category: o.category,
    url_template: o.url_template,
    fallback_url: o.fallback_url ?? "",
    preview_url: o.preview_url ?? "",
    payout_model: o.payout_model,
    payout_amount: o.payout_amount ?? "",
    payout_percent: o.payout_percent ?? "",
    currency: o.currency,
    attribution_window_hours: String(o.attribution_window_hours),
    daily_cap: o.daily_cap == null ? "" : String(o.daily_cap),
    total_cap: o.total_cap == null ? "" : String(o.total_cap),
    geo_allow: [...o.geo_allow],
    geo_deny: [...o.geo_deny],
    hold_conversions: o.hold_conversions,
    review_browser: o.review_browser,
    min_ctit_seconds: o.min_ctit_seconds == null ? "" : String(o.min_ctit_seconds),
    fraud_policy: o.fraud_policy,
  };
}

/**
 * A whole number as typed: a number, null when empty, and anything else as typed, so that
 * the API names the field at fault (never silently a number or null the user did not mean).
 */
export function intOrNull(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  if (/^-?\d+$/.test(t)) return Number(t);
  return t as unknown as number;
}

function textOrNull(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

/**
 * The body for POST (create) and PATCH (edit): every field the form holds, so an edit
 * leaves nothing to the old value. Empty caps and URLs are `null` (none); the payout figure
 * of the other kind is `null` so that switching models drops it; an empty window is left out
 * (the API's default on creation, the stored window on an edit); an empty minimum
 * click-to-conversion time is `null` (the platform's setting, on an edit too).
 */
export function formToBody(f: OfferForm): OfferInput {
  const fixed = isFixed(f.payout_model);
  const body: OfferInput = {
    name: f.name.trim(),
    description: f.description,
    category: f.category.trim(),
    url_template: f.url_template.trim(),
    fallback_url: textOrNull(f.fallback_url),
    preview_url: textOrNull(f.preview_url),
    payout_model: f.payout_model,
    payout_amount: fixed ? textOrNull(f.payout_amount) : null,
    payout_percent: fixed ? null : textOrNull(f.payout_percent),
    // As typed: the API names a code it does not know.
    currency: f.currency.trim().toUpperCase() as OfferInput["currency"],
    daily_cap: intOrNull(f.daily_cap),
    total_cap: intOrNull(f.total_cap),
    geo_allow: [...f.geo_allow],
    geo_deny: [...f.geo_deny],
    hold_conversions: f.hold_conversions,
    review_browser: f.review_browser,
    min_ctit_seconds: intOrNull(f.min_ctit_seconds),
    fraud_policy: f.fraud_policy,
  };
  const window = intOrNull(f.attribution_window_hours);
  if (window !== null) body.attribution_window_hours = window;
  return body;
}

/** The fields whose change sends an approved or paused offer back to review. */
export const REVIEWED_FIELDS = [
  "url_template",
  "fallback_url",
  "payout_model",
  "payout_amount",
  "payout_percent",
  "currency",
  "attribution_window_hours",
  "geo_allow",
  "geo_deny",
] as const;
export type ReviewedField = (typeof REVIEWED_FIELDS)[number];

function sameDecimal(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return (a ?? null) === (b ?? null);
  return isDecimal(a) && isDecimal(b) ? compareDecimal(a, b) === 0 : a === b;
}

function sameCountries(a: readonly string[], b: readonly string[] | null | undefined): boolean {
  const norm = (l: readonly string[]) => [...new Set(l.map((c) => c.toUpperCase()))].sort();
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b ?? []));
}

/** Which reviewed fields the body would change on the offer (as the API compares them). */
export function reviewedChanges(o: OfferView, body: OfferInput): ReviewedField[] {
  const differs: Record<ReviewedField, boolean> = {
    url_template: body.url_template !== o.url_template,
    fallback_url: (body.fallback_url ?? null) !== (o.fallback_url ?? null),
    payout_model: body.payout_model !== o.payout_model,
    payout_amount: !sameDecimal(body.payout_amount, o.payout_amount),
    payout_percent: !sameDecimal(body.payout_percent, o.payout_percent),
    currency: body.currency !== o.currency,
    attribution_window_hours:
      body.attribution_window_hours !== undefined &&
      body.attribution_window_hours !== o.attribution_window_hours,
    geo_allow: !sameCountries(o.geo_allow, body.geo_allow),
    geo_deny: !sameCountries(o.geo_deny, body.geo_deny),
  };
  return REVIEWED_FIELDS.filter((f) => differs[f]);
}
