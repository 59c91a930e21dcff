import { describe, expect, it } from "vitest";
import { allowListErrors, parseAllowList } from "../../../lib/allowList";
import {
  checkOrigin,
  conversionSnippet,
  edgeBaseUrl,
  MAX_ORIGINS,
  originProblems,
  originsOk,
  scriptSnippet,
} from "./publishable";

describe("checkOrigin", () => {
  it("gives the origin as the API stores it", () => {
    expect(checkOrigin(" https://Shop.Example/ ")).toEqual({ origin: "https://shop.example" });
    expect(checkOrigin("https://shop.example:443")).toEqual({ origin: "https://shop.example" });
    expect(checkOrigin("http://shop.example:80")).toEqual({ origin: "http://shop.example" });
    expect(checkOrigin("http://localhost:5173")).toEqual({ origin: "http://localhost:5173" });
    expect(checkOrigin("https://shop.example:8443")).toEqual({
      origin: "https://shop.example:8443",
    });
    expect(checkOrigin("http://[::1]:8080")).toEqual({ origin: "http://[::1]:8080" });
    expect(checkOrigin("https://xn--mgbh0fb.example")).toEqual({
      origin: "https://xn--mgbh0fb.example",
    });
  });
  it("says what is wrong", () => {
    expect(checkOrigin("shop.example")).toEqual({ problem: "scheme" });
    expect(checkOrigin("ftp://shop.example")).toEqual({ problem: "scheme" });
    expect(checkOrigin("https://")).toEqual({ problem: "noHost" });
    expect(checkOrigin("https://shop.example/checkout")).toEqual({ problem: "path" });
    expect(checkOrigin("https://shop.example?x=1")).toEqual({ problem: "path" });
    expect(checkOrigin("https://user@shop.example")).toEqual({ problem: "path" });
    expect(checkOrigin("https://shop.example:0")).toEqual({ problem: "port" });
    expect(checkOrigin("https://shop.example:70000")).toEqual({ problem: "port" });
    expect(checkOrigin("https://shop.example:")).toEqual({ problem: "port" });
    expect(checkOrigin("https://sh op.example")).toEqual({ problem: "chars" });
    expect(checkOrigin("https://shöp.example")).toEqual({ problem: "chars" });
    expect(checkOrigin("https://a:b:80")).toEqual({ problem: "host" });
    expect(checkOrigin(`https://${"a".repeat(250)}.example`)).toEqual({ problem: "long" });
  });
});

describe("originProblems", () => {
  it("puts each problem at its line", () => {
    const parsed = parseAllowList("https://shop.example\n\nshop.example\nhttps://x.example/a\n");
    const found = originProblems(parsed);
    expect(found).toEqual({
      list: null,
      lines: [
        { line: 3, entry: "shop.example", problem: "scheme" },
        { line: 4, entry: "https://x.example/a", problem: "path" },
      ],
    });
    expect(originsOk(found)).toBe(false);
  });
  it("needs one origin and takes at most the API's limit", () => {
    expect(originProblems(parseAllowList("  \n")).list).toBe("none");
    const many = Array.from({ length: MAX_ORIGINS + 1 }, (_, i) => `https://s${i}.example`);
    expect(originProblems(parseAllowList(many.join("\n"))).list).toBe("tooMany");
    const enough = originProblems(parseAllowList(many.slice(1).join("\n")));
    expect(enough).toEqual({ list: null, lines: [] });
    expect(originsOk(enough)).toBe(true);
  });
  it("maps the API's origins errors back to the lines sent", () => {
    const sent = parseAllowList("https://a.example\n\nhttps://b.example");
    expect(
      allowListErrors(
        { "origins[1]": "an origin must name a host", origins: "too many", ip_allow: "x" },
        sent,
        "origins",
      ),
    ).toEqual([
      { line: null, entry: null, message: "too many" },
      { line: 3, entry: "https://b.example", message: "an origin must name a host" },
    ]);
  });
});

describe("edgeBaseUrl", () => {
  it("takes the edge from a postback URL", () => {
    expect(edgeBaseUrl("https://edge.example/postback/pk_test_abc?click_id={click_id}")).toBe(
      "https://edge.example",
    );
    expect(edgeBaseUrl("http://127.0.0.1:41234/postback/pk_live_x?click_id={click_id}")).toBe(
      "http://127.0.0.1:41234",
    );
    // An edge under a path keeps it: the SDK posts to {endpoint}/postback/{key}.
    expect(edgeBaseUrl("https://t.example/edge/postback/pk_live_x")).toBe("https://t.example/edge");
    expect(edgeBaseUrl("https://edge.example/other")).toBe("https://edge.example");
  });
  it("is null for what is no URL", () => {
    expect(edgeBaseUrl("not a url")).toBeNull();
    expect(edgeBaseUrl("/postback/pk_live_x")).toBeNull();
  });
});

describe("snippets", () => {
  it("configures the script with the key and the edge", () => {
    const html = scriptSnippet({ key: "pk_test_AbC123", endpoint: "https://edge.example" });
    expect(html).toBe(
      [
        "<script>window.afftok = window.afftok || [];</script>",
        '<script async src="/js/afftok.min.js"',
        '  data-key="pk_test_AbC123"',
        '  data-endpoint="https://edge.example"></script>',
      ].join("\n"),
    );
  });
  it("escapes what would break out of an attribute", () => {
    const html = scriptSnippet({ key: 'pk_"><x', endpoint: "https://e.example/?a=1&b=2" });
    expect(html).toContain('data-key="pk_&quot;&gt;&lt;x"');
    expect(html).toContain('data-endpoint="https://e.example/?a=1&amp;b=2"');
    expect(scriptSnippet({ key: "k", endpoint: "e", src: "https://cdn.example/a.js" })).toContain(
      'src="https://cdn.example/a.js"',
    );
  });
  it("queues the conversion call until the script loads", () => {
    const call = conversionSnippet();
    expect(call).toContain("(window.afftok = window.afftok || []).push([");
    expect(call).toContain('"conversion"');
    expect(call).toMatch(/txid: "[^"]+"/);
  });
});
