import { describe, expect, it } from "vitest";
import { clickIdFromSearch, DEFAULT_PARAMS, parseClickId } from "../src/click-id.js";
import { ID, OTHER_ID } from "./fake.js";

describe("parseClickId", () => {
  it("accepts UUIDs of any version, lowercased", () => {
    expect(parseClickId(ID)).toBe(ID);
    expect(parseClickId(ID.toUpperCase())).toBe(ID);
    expect(parseClickId("123e4567-e89b-42d3-a456-426614174000")).toBe(
      "123e4567-e89b-42d3-a456-426614174000",
    );
  });

  it.each([
    "",
    "not-a-uuid",
    `${ID}0`,
    ID.slice(1),
    ID.replace(/-/g, ""),
    `{${ID}}`,
    ` ${ID}`,
    `${ID} `,
    ID.replace("a", "g"),
    `urn:uuid:${ID}`,
  ])("rejects %j", (value) => {
    expect(parseClickId(value)).toBeNull();
  });

  it.each([undefined, null, 42, {}, [ID]])("rejects the non-string %j", (value) => {
    expect(parseClickId(value)).toBeNull();
  });
});

describe("clickIdFromSearch", () => {
  it("reads afftok_click_id, then click_id", () => {
    expect(DEFAULT_PARAMS).toEqual(["afftok_click_id", "click_id"]);
    expect(clickIdFromSearch(`?click_id=${ID}`)).toBe(ID);
    expect(clickIdFromSearch(`?afftok_click_id=${ID}`)).toBe(ID);
    expect(clickIdFromSearch(`?click_id=${OTHER_ID}&afftok_click_id=${ID}`)).toBe(ID);
    expect(clickIdFromSearch(`click_id=${ID}`)).toBe(ID);
  });

  it("finds nothing in an empty or unrelated query", () => {
    expect(clickIdFromSearch("")).toBeNull();
    expect(clickIdFromSearch("?")).toBeNull();
    expect(clickIdFromSearch(`?clickid=${ID}&cid=${ID}`)).toBeNull();
  });

  it("skips an invalid value for the next name", () => {
    expect(clickIdFromSearch(`?afftok_click_id=nope&click_id=${ID}`)).toBe(ID);
    expect(clickIdFromSearch("?afftok_click_id=nope&click_id=")).toBeNull();
  });

  it("lowercases an uppercase id, also when percent-encoded", () => {
    expect(clickIdFromSearch(`?click_id=${ID.toUpperCase()}`)).toBe(ID);
    expect(clickIdFromSearch(`?click_id=${ID.replace(/-/g, "%2D")}`)).toBe(ID);
  });

  it("takes the first valid of repeated parameters", () => {
    expect(clickIdFromSearch(`?click_id=${ID}&click_id=${OTHER_ID}`)).toBe(ID);
    expect(clickIdFromSearch(`?click_id=${OTHER_ID}&click_id=${ID}`)).toBe(OTHER_ID);
    expect(clickIdFromSearch(`?click_id=bad&click_id=${OTHER_ID}`)).toBe(OTHER_ID);
  });

  it("uses the configured names, in their order, and only them", () => {
    const names = ["sub_id", "aff"];
    expect(clickIdFromSearch(`?aff=${OTHER_ID}&sub_id=${ID}`, names)).toBe(ID);
    expect(clickIdFromSearch(`?aff=${OTHER_ID}`, names)).toBe(OTHER_ID);
    expect(clickIdFromSearch(`?click_id=${ID}&afftok_click_id=${ID}`, names)).toBeNull();
  });
});
