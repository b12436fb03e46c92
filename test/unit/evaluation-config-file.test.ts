import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/base/config/load-config.js";
import { formatConfigJson, writeRoutingPatch, writeRoutingValues } from "../../eval/lib/config-file.js";

const original = {
  port: 8787,
  tiers: [
    { name: "fast", model: "small", pricePer1MTokens: 0.2 },
    { name: "premium", model: "big", pricePer1MTokens: 10 },
  ],
  routing: { k: 7, margin: 0.15, minSimilarity: 0.3, fallbackTier: "premium" },
  cache: { enabled: false },
};

function configFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tierline-cfg-")), "tierline.config.json");
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe("writeRoutingValues", () => {
  it("replaces only k, margin and the floor, and the service loads the result", () => {
    const file = configFile(original);
    writeRoutingValues(file, { k: 9, margin: 0.21, minSimilarity: 0.25 });
    const written = JSON.parse(readFileSync(file, "utf8"));
    expect(written).toEqual({ ...original, routing: { k: 9, margin: 0.21, minSimilarity: 0.25, fallbackTier: "premium" } });
    const loaded = loadConfig({ TIERLINE_CONFIG: file });
    expect(loaded.routing).toMatchObject({ k: 9, margin: 0.21, minSimilarity: 0.25 });
  });

  it("leaves the file untouched when the values would not load", () => {
    const file = configFile(original);
    const before = readFileSync(file, "utf8");
    expect(() => writeRoutingValues(file, { k: 0, margin: 0.2, minSimilarity: 0.3 })).toThrow(ConfigError);
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("rewrites only the routing object's text, keeping the rest of the file byte for byte", () => {
    const file = configFile({});
    const text =
      '{\n  "tiers": [{ "name": "fast", "model": "s", "pricePer1MTokens": 1.0 }, { "name": "premium", "model": "l", "pricePer1MTokens": 10.0 }],\n  "routing": {"k": 7,  "margin": 0.15}\n}\n';
    writeFileSync(file, text);
    writeRoutingValues(file, { k: 5, margin: 0.2, minSimilarity: 0.35 });
    expect(readFileSync(file, "utf8")).toBe(text.replace('{"k": 7,  "margin": 0.15}', '{ "k": 5, "margin": 0.2, "minSimilarity": 0.35 }'));
  });

  it("merges nested routing objects, removes fields set to undefined, and keeps a multi-line routing block multi-line", () => {
    const file = configFile({});
    const text = '{\n  "port": 8787,\n  "routing": {\n    "k": 7,\n    "secondStage": { "modelFile": "a.json", "downgradeCost": 9 },\n    "ood": { "k": 5 }\n  }\n}\n';
    writeFileSync(file, text);
    writeRoutingPatch(file, { strategy: "second-stage", secondStage: { modelFile: "b.json", downgradeCost: undefined }, ood: { enabled: true, minNearest: 0.4 } });
    expect(JSON.parse(readFileSync(file, "utf8")).routing).toEqual({
      k: 7,
      secondStage: { modelFile: "b.json" },
      ood: { k: 5, enabled: true, minNearest: 0.4 },
      strategy: "second-stage",
    });
    expect(readFileSync(file, "utf8")).toBe(
      '{\n  "port": 8787,\n  "routing": {\n    "k": 7,\n    "secondStage": { "modelFile": "b.json" },\n    "ood": { "k": 5, "enabled": true, "minNearest": 0.4 },\n    "strategy": "second-stage"\n  }\n}\n',
    );
  });

  it("writes one field per line with arrays of objects one element per line", () => {
    expect(formatConfigJson(original)).toBe(
      [
        "{",
        '  "port": 8787,',
        '  "tiers": [',
        '    { "name": "fast", "model": "small", "pricePer1MTokens": 0.2 },',
        '    { "name": "premium", "model": "big", "pricePer1MTokens": 10 }',
        "  ],",
        '  "routing": { "k": 7, "margin": 0.15, "minSimilarity": 0.3, "fallbackTier": "premium" },',
        '  "cache": { "enabled": false }',
        "}",
        "",
      ].join("\n"),
    );
  });
});
