import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { EmbeddingsModel } from "@energetic-ai/embeddings";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { readUseVocabulary } from "../../src/adapters/embeddings/use-onnx/onnx-model-file.js";
import { SentencePieceTokenizer, type Vocabulary } from "../../src/adapters/embeddings/use-onnx/sentencepiece.js";
import { variedTexts } from "../fixtures/use-onnx-texts.js";

const jsonlTexts = (file: string, field: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as Record<string, string>)[field]!);

/** Deterministic strings mixing vocabulary pieces, spaces and arbitrary code points (CJK, astral, controls). */
function fuzzTexts(vocabulary: Vocabulary, count: number): string[] {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const extra = ["\u4e2d", "\u{1F600}", "\u00e9", "e\u0301", "\t", "\n", "  ", "\u0627", "\u0416", "\u00a0", "\uff21"];
  return Array.from({ length: count }, () => {
    let s = "";
    const parts = 1 + Math.floor(next() * 12);
    for (let i = 0; i < parts; i++) {
      const r = next();
      if (r < 0.6) s += vocabulary[6 + Math.floor(next() * (vocabulary.length - 6))]![0].replace(/\u2581/g, " ");
      else if (r < 0.8) s += extra[Math.floor(next() * extra.length)]!;
      else s += String.fromCodePoint(0x20 + Math.floor(next() * 0x3000));
    }
    return s;
  });
}

describe("SentencePieceTokenizer (port of @energetic-ai/embeddings' tokenizer)", () => {
  let vocabulary: Vocabulary;
  let reference: { encode(text: string): number[] };
  let port: SentencePieceTokenizer;

  beforeAll(async () => {
    vocabulary = await readUseVocabulary();
    // The package builds its tokenizer in the model wrapper's constructor; no TF.js model is needed for it.
    reference = new EmbeddingsModel({ vocabulary, model: undefined as never }).tokenizer;
    port = new SentencePieceTokenizer(vocabulary);
  });

  it("produces the reference ids for fixture texts, dev queries, exemplars and fuzzed strings", () => {
    const exemplarsDir = path.resolve("exemplars");
    const texts = [
      ...variedTexts(),
      ...jsonlTexts("test/data/dev.jsonl", "query"),
      ...readdirSync(exemplarsDir)
        .filter((f) => f.endsWith(".jsonl"))
        .flatMap((f) => jsonlTexts(path.join(exemplarsDir, f), "text")),
      ...fuzzTexts(vocabulary, 500),
    ];
    expect(texts.length).toBeGreaterThan(1500);
    const mismatches = texts.filter((t) => JSON.stringify(port.encode(t)) !== JSON.stringify(reference.encode(t)));
    expect(mismatches).toEqual([]);
  });

  it("gives no ids for an empty text and one id 0 for a run of unknown symbols", () => {
    expect(port.encode("")).toEqual([]);
    const unknown = port.encode("\u{1F600}\u{1F601}\u{1F602}");
    expect(unknown.filter((id) => id === 0)).toHaveLength(1);
    expect(unknown).toEqual(reference.encode("\u{1F600}\u{1F601}\u{1F602}"));
  });

  it("stays linear on long inputs (the original copies the rest of the text at every position)", () => {
    // Counted, not timed: the work is the trie lookups, and twice the text must cost twice the lookups.
    const lookups = (text: string) => {
      const get = vi.spyOn(Map.prototype, "get");
      try {
        expect(port.encode(text).length).toBeGreaterThan(text.length / 13);
        return get.mock.calls.length;
      } finally {
        get.mockRestore();
      }
    };
    const once = lookups("tokenisation ".repeat(1000));
    const twice = lookups("tokenisation ".repeat(2000));
    expect(twice / once).toBeGreaterThan(1.9);
    expect(twice / once).toBeLessThan(2.1);
  });
});
