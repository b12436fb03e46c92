import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envOverrides, generateConfigDocs, schemaRows, targetFile } from "../../scripts/generate-config-docs.js";
import { parseConfig } from "../../src/base/config/load-config.js";

// docs/configuration.md is generated from the zod schema, so each default is stated once (in the schema).
describe("the configuration reference (docs/configuration.md)", () => {
  const generated = generateConfigDocs();

  it("describes every key of the schema, and nothing the schema does not have", () => {
    expect(generated.missing, "keys without a description in scripts/generate-config-docs.ts").toEqual([]);
    expect(generated.unused, "descriptions of keys the schema does not have").toEqual([]);
  });

  it("is what the schema generates (run npm run docs:config after changing the schema)", () => {
    expect(readFileSync(targetFile, "utf8")).toBe(generated.markdown);
  });

  it("states the schema's defaults", () => {
    const row = (p: string) => schemaRows().find((r) => r.path === p);
    const defaults = parseConfig({});
    expect(row("port")?.default).toBe(`\`${defaults.port}\``);
    expect(row("routing.margin")?.default).toBe(`\`${defaults.routing.margin}\``);
    expect(row("session.policy")?.default).toBe(`\`"${defaults.session.policy}"\``);
    expect(generated.markdown).toContain('| `routing.strategy` | `"knn"` \\| `"second-stage"` | `"second-stage"` | `TIERLINE_STRATEGY` |');
  });

  it("lists the environment overrides load-config.ts declares, each setting the key it names", () => {
    const env = envOverrides();
    expect(env.length).toBeGreaterThan(10);
    for (const { variable, path, kind } of env) {
      const valid: Record<string, string> = {
        "index.ef": "16",
        "session.policy": "no-downgrade",
        "routing.strategy": "knn",
        "embedding.provider": "use-lite",
        logLevel: "warn",
        databaseUrl: "postgres://h/db",
      };
      const value = valid[path] ?? (kind === "number" ? "1" : "x");
      const parsed = parseConfig({}, { [variable]: value }) as unknown as Record<string, unknown>;
      const set = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], parsed);
      expect(String(set), `${variable} sets ${path}`).toBe(value);
      expect(generated.markdown, variable).toContain(`| \`${variable}\` | \`${path}\` |`);
    }
  });
});
