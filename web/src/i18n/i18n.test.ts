import { describe, expect, it } from "vitest";
import ar from "./ar";
import en from "./en";
import { directionOf, initialLanguage } from "./index";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("translations", () => {
  it("Arabic has exactly the English keys", () => {
    expect(keys(ar).sort()).toEqual(keys(en).sort());
  });
  it("no text is empty and placeholders match", () => {
    const flat = (o: object) =>
      Object.fromEntries(
        keys(o).map((k) => [k, k.split(".").reduce((x: never, p) => x[p], o as never)]),
      );
    const e = flat(en);
    const a = flat(ar);
    for (const k of Object.keys(e)) {
      expect(String(a[k]).trim(), k).not.toBe("");
      const vars = (s: unknown) => (String(s).match(/\{\{\w+\}\}/g) ?? []).sort();
      expect(vars(a[k]), k).toEqual(vars(e[k]));
    }
  });
});

describe("initialLanguage", () => {
  it("prefers the remembered choice", () => {
    expect(initialLanguage("ar", ["en-US"])).toBe("ar");
  });
  it("takes the first browser language we have", () => {
    expect(initialLanguage(null, ["fr-FR", "ar-EG", "en"])).toBe("ar");
  });
  it("falls back to English", () => {
    expect(initialLanguage("de", ["fr"])).toBe("en");
  });
  it("turns Arabic right-to-left", () => {
    expect(directionOf("ar")).toBe("rtl");
    expect(directionOf("en")).toBe("ltr");
  });
});
