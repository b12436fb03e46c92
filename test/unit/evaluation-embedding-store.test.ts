import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddingStore, embeddingStoreFile, storeBackedEncoder } from "../../eval/lib/embedding-store.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), "tierline-store-")), "nested", "store.jsonl");

describe("EmbeddingStore", () => {
  it("embeds each distinct text once and returns vectors in input order", async () => {
    const encoder = createFakeEncoder();
    const store = EmbeddingStore.open(null, encoder.modelId);
    const [a, b, a2] = await store.embedAll(encoder, ["alpha beta", "gamma", "alpha beta"]);
    expect(a2).toBe(a);
    expect(b).not.toEqual(a);
    expect(store.size).toBe(2);
    const calls = encoder.calls;
    await store.embedAll(encoder, ["gamma", "alpha beta"]);
    expect(encoder.calls).toBe(calls);
  });

  it("persists vectors bit-exactly, so a new run does not call the model", async () => {
    const file = tempFile();
    const encoder = createFakeEncoder();
    const [v] = await EmbeddingStore.open(file, encoder.modelId).embedAll(encoder, ["saved text"]);
    const fresh = createFakeEncoder();
    const reopened = EmbeddingStore.open(file, fresh.modelId);
    expect(reopened.get("saved text")).toEqual(v);
    await reopened.embedAll(fresh, ["saved text"]);
    expect(fresh.calls).toBe(0);
  });

  it("keys by model and exact text, and survives a torn last line", async () => {
    const file = tempFile();
    const encoder = createFakeEncoder();
    const store = EmbeddingStore.open(file, encoder.modelId);
    await store.embedAll(encoder, ["one", "two"]);
    expect(store.keyOf("one")).not.toBe(store.keyOf("one "));
    expect(EmbeddingStore.open(file, "other-model").get("one")).toBeUndefined();
    appendFileSync(file, '{"key": "abc", "vec');
    expect(EmbeddingStore.open(file, encoder.modelId).size).toBe(2);
    expect(
      readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.startsWith('{"key":"')).length,
    ).toBe(2);
  });

  it("refuses an encoder of another model", async () => {
    const store = EmbeddingStore.open(null, "some-model");
    await expect(store.embedAll(createFakeEncoder(), ["x"])).rejects.toThrow(/some-model/);
  });

  it("backs an Encoder for the router: stored texts skip the model", async () => {
    const encoder = createFakeEncoder();
    const store = EmbeddingStore.open(null, encoder.modelId);
    await store.embedAll(encoder, ["known"]);
    const backed = storeBackedEncoder(store, encoder);
    const calls = encoder.calls;
    await backed.embed(["known"]);
    expect(encoder.calls).toBe(calls);
    await backed.embed(["unknown"]);
    expect(encoder.calls).toBe(calls + 1);
    expect(backed.modelId).toBe(encoder.modelId);
  });

  it("files each model's store under the data directory", () => {
    expect(embeddingStoreFile("/data", "use-lite@0.2.0")).toBe(path.resolve("/data/eval-embeddings/use-lite@0.2.0.jsonl"));
    expect(embeddingStoreFile("/data", "org/model:v1")).toBe(path.resolve("/data/eval-embeddings/org_model_v1.jsonl"));
  });
});
