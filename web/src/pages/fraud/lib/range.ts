// The range a fraud page covers, as it lives in the page's URL (?range=7d, or ?from=…&to=…)
// so a view can be reloaded and shared. The fraud API takes whole UTC days (YYYY-MM-DD: the
// start of `from` to the end of `to`), at most 92 days; a preset counts back from today in
// UTC. Anything in the URL that is not valid falls back to the default (the last 30 days,
// as the API's own default).
import type { DayRange } from "../../../api/hooks/fraud";
import {
  checkDays,
  PRESETS,
  type Preset,
  presetRange,
  type RangeProblem,
} from "../../../lib/dates";

export const DEFAULT_PRESET: Preset = "30d";
/** The longest range the fraud API takes, in days counting both ends. */
export const MAX_DAYS = 92;

export interface RangeView extends DayRange {
  range: Preset | "custom";
}

/** What is wrong with a custom range, by field, as the API would say it. */
export function checkRange(from: string, to: string): { from?: RangeProblem; to?: RangeProblem } {
  return checkDays(from, to, MAX_DAYS);
}

/** A preset's days, counted back from today in UTC. */
export function presetDays(preset: Preset, now: Date): DayRange {
  return presetRange(preset, now, "UTC");
}

/** The range a URL names: a valid custom `from`–`to`, else a known `range`, else 30 days. */
export function readRange(params: URLSearchParams, now: Date): RangeView {
  const from = params.get("from");
  const to = params.get("to");
  if (from !== null && to !== null && Object.keys(checkRange(from, to)).length === 0) {
    return { range: "custom", from, to };
  }
  const name = params.get("range");
  const preset = PRESETS.find((p) => p === name) ?? DEFAULT_PRESET;
  return { range: preset, ...presetDays(preset, now) };
}

/**
 * The URL's search params with this range written in (the default preset left out) and the
 * other params kept.
 */
export function writeRange(range: RangeView, params = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(params);
  out.delete("range");
  out.delete("from");
  out.delete("to");
  if (range.range === "custom") {
    out.set("from", range.from);
    out.set("to", range.to);
  } else if (range.range !== DEFAULT_PRESET) {
    out.set("range", range.range);
  }
  return out;
}
