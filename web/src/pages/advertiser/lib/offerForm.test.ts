import { describe, expect, it } from "vitest";
import {
  emptyOfferForm,
  formToBody,
  intOrNull,
  type OfferForm,
  type OfferView,
  offerToForm,
  reviewedChanges,
} from "./offerForm";

const form: OfferForm = {
  ...emptyOfferForm(),
  name: "  Spring sale ",
  description: "Big discounts",
  category: " shopping ",
  url_template: " https://shop.example/?c={click_id} ",
  payout_model: "cpa",
  payout_amount: "12.50",
  payout_percent: "7.5",
  currency: "usd",
  geo_allow: ["US", "CA"],
};

const offer: OfferView = {
  id: 7,
  advertiser_id: 3,
  name: "Spring sale",
  description: "Big discounts",
  category: "shopping",
  url_template: "https://shop.example/?c={click_id}",
  fallback_url: null,
  preview_url: null,
  payout_model: "cpa",
  payout_amount: "12.50",
  payout_percent: null,
  currency: "USD",
  attribution_window_hours: 720,
  daily_cap: 10,
  total_cap: null,
  geo_allow: ["CA", "US"],
  geo_deny: [],
  hold_conversions: true,
  review_browser: false,
  min_ctit_seconds: null,
  fraud_policy: "reject",
  status: "approved",
  created_at: "2026-11-24T10:00:00Z",
  updated_at: "2026-11-24T10:00:00Z",
};

describe("formToBody", () => {
  it("turns empty caps and URLs into null and trims", () => {
    expect(formToBody(form)).toEqual({
      name: "Spring sale",
      description: "Big discounts",
      category: "shopping",
      url_template: "https://shop.example/?c={click_id}",
      fallback_url: null,
      preview_url: null,
      payout_model: "cpa",
      payout_amount: "12.50",
      payout_percent: null,
      currency: "USD",
      attribution_window_hours: 720,
      daily_cap: null,
      total_cap: null,
      geo_allow: ["US", "CA"],
      geo_deny: [],
      hold_conversions: false,
      review_browser: false,
      min_ctit_seconds: null,
      fraud_policy: "reject",
    });
  });
  it("keeps holding conversions from web pages apart from holding them all", () => {
    const edited = offerToForm({ ...offer, hold_conversions: false, review_browser: true });
    expect(edited.review_browser).toBe(true);
    const body = formToBody(edited);
    expect(body.review_browser).toBe(true);
    expect(body.hold_conversions).toBe(false);
    expect(formToBody({ ...edited, review_browser: false }).review_browser).toBe(false);
  });
  it("sends the minimum click-to-conversion time and the fraud policy", () => {
    const body = formToBody({ ...form, min_ctit_seconds: " 30 ", fraud_policy: "review" });
    expect(body.min_ctit_seconds).toBe(30);
    expect(body.fraud_policy).toBe("review");
    // 0 turns the check off: a number, not the platform's setting.
    expect(formToBody({ ...form, min_ctit_seconds: "0" }).min_ctit_seconds).toBe(0);
    // Empty: null, the platform's setting (on an edit too, so clearing it resets it).
    expect(formToBody({ ...form, min_ctit_seconds: "  " }).min_ctit_seconds).toBeNull();
    // Not a whole number: as typed, for the API to name the field.
    expect(formToBody({ ...form, min_ctit_seconds: "2.5" }).min_ctit_seconds).toBe("2.5");
  });
  it("sends the percentage for cps and revshare and drops the amount", () => {
    const body = formToBody({ ...form, payout_model: "revshare" });
    expect(body.payout_percent).toBe("7.5");
    expect(body.payout_amount).toBeNull();
  });
  it("sends caps as numbers and leaves an empty window out", () => {
    const body = formToBody({
      ...form,
      daily_cap: " 5 ",
      total_cap: "100",
      attribution_window_hours: "",
      fallback_url: " https://shop.example/sorry ",
    });
    expect(body.daily_cap).toBe(5);
    expect(body.total_cap).toBe(100);
    expect("attribution_window_hours" in body).toBe(false);
    expect(body.fallback_url).toBe("https://shop.example/sorry");
  });
  it("passes what is not a whole number as typed, for the API to name", () => {
    expect(intOrNull("")).toBeNull();
    expect(intOrNull("  ")).toBeNull();
    expect(intOrNull("-3")).toBe(-3);
    expect(intOrNull("1.5")).toBe("1.5");
  });
});

describe("offerToForm", () => {
  it("fills the form from an offer and back to the same fields", () => {
    const f = offerToForm(offer);
    expect(f.daily_cap).toBe("10");
    expect(f.total_cap).toBe("");
    expect(f.fallback_url).toBe("");
    expect(f.attribution_window_hours).toBe("720");
    expect(f.min_ctit_seconds).toBe("");
    expect(f.fraud_policy).toBe("reject");
    expect(reviewedChanges(offer, formToBody(f))).toEqual([]);
  });
  it("keeps an offer's own minimum and policy, and they are not reviewed fields", () => {
    const o = { ...offer, min_ctit_seconds: 0, fraud_policy: "review" as const };
    const f = offerToForm(o);
    expect(f.min_ctit_seconds).toBe("0");
    expect(f.fraud_policy).toBe("review");
    const body = formToBody({ ...f, min_ctit_seconds: "120", fraud_policy: "reject" });
    expect(body.min_ctit_seconds).toBe(120);
    expect(reviewedChanges(o, body)).toEqual([]);
  });
  it("starts a new offer with the platform's minimum and rejection", () => {
    const f = emptyOfferForm();
    expect(f.min_ctit_seconds).toBe("");
    expect(f.fraud_policy).toBe("reject");
  });
});

describe("reviewedChanges", () => {
  it("ignores cosmetic edits and equal values written differently", () => {
    const f = { ...offerToForm(offer), name: "New", daily_cap: "", payout_amount: "12.5" };
    f.geo_allow = ["US", "CA"];
    expect(reviewedChanges(offer, formToBody(f))).toEqual([]);
  });
  it("lists the reviewed fields that change", () => {
    const f = {
      ...offerToForm(offer),
      url_template: "https://elsewhere.example/{click_id}",
      payout_model: "cps" as const,
      payout_percent: "5",
      geo_deny: ["FR"],
    };
    expect(reviewedChanges(offer, formToBody(f))).toEqual([
      "url_template",
      "payout_model",
      "payout_amount",
      "payout_percent",
      "geo_deny",
    ]);
  });
});
