import { describe, expect, it } from "vitest";
import { mintBody } from "./sandbox";

describe("mintBody", () => {
  it("sends the offer alone when nothing else is given", () => {
    expect(mintBody({ offer_id: 7, country: " ", sub1: "" })).toEqual({ offer_id: 7 });
  });
  it("sends the country in capitals and sub1 as a sub-ID", () => {
    expect(mintBody({ offer_id: 7, country: " sa ", sub1: " spring " })).toEqual({
      offer_id: 7,
      country: "SA",
      subs: { sub1: "spring" },
    });
  });
});
