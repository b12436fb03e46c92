import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateClientTypes, targetFile } from "../../scripts/generate-client-types.js";

// The client package spells out the API's types so it needs neither the service nor zod;
// they must stay what the service's schemas infer (src/http/client/schema-types.ts).
describe("the client package's API types", () => {
  const generated = generateClientTypes();

  it("are what the service's schemas infer (run npm run client:types after changing a schema)", () => {
    expect(readFileSync(targetFile, "utf8")).toBe(generated);
  });

  it("are plain TypeScript: no import of the service, zod or anything else", () => {
    expect(generated).not.toMatch(/\bimport\b|\bz\.|\$brand|\bZod/);
    expect(generated).toMatch(/^export type RouteDecision = \{$/m);
    expect(generated).toMatch(/^export type BatchItem = RouteDecision \| \{$/m);
    expect(generated).toMatch(/^export type ErrorCode = "invalid_request" \| .*"upstream_timeout";$/m);
  });
});
