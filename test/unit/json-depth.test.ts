import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../src/base/util/json-depth.js";

describe("request nesting", () => {
  it("measures depth without recursion, at any depth", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    // object, messages, message, content, part: five levels.
    expect(nestsDeeperThan({ messages: [{ content: [{ type: "text" }] }] }, 5)).toBe(false);
    expect(nestsDeeperThan({ messages: [{ content: [{ type: "text" }] }] }, 4)).toBe(true);
    expect(nestsDeeperThan("text", 0)).toBe(false);
  });
});
