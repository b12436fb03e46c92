import { describe, expect, it } from "vitest";
import { extractQueryText } from "../../src/routing/extract-query.js";

describe("extractQueryText", () => {
  it("prefers query", () => {
    expect(extractQueryText({ query: "hi", messages: [{ role: "user", content: "other" }] })).toBe("hi");
  });

  it("takes the last user message, skipping later assistant and tool turns", () => {
    const messages = [
      { role: "system", content: "be nice" },
      { role: "user", content: "first" },
      { role: "assistant", content: "answer" },
      { role: "user", content: "second" },
      { role: "assistant", content: null },
    ];
    expect(extractQueryText({ messages })).toBe("second");
  });

  it("joins the text parts of multi-part content and ignores images", () => {
    const content = [{ type: "text", text: "look at" }, { type: "image_url" }, { type: "text", text: "this" }];
    expect(extractQueryText({ messages: [{ role: "user", content }] })).toBe("look at\nthis");
  });

  it("returns null when there is no user message", () => {
    expect(extractQueryText({ messages: [{ role: "system", content: "x" }] })).toBeNull();
  });
});
