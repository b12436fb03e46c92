import { DomainError } from "../base/errors.js";
import type { CompiledRule, RequestFacts } from "../base/policy/rule-set.js";
import { yieldToEventLoop } from "../base/util/yield.js";

/** Matching yields to the event loop this often, so routing and health probes go on meanwhile. */
const YIELD_AFTER_MS = 5;

/** Labelled lines that cannot be evaluated: too many, or a line that is not a labelled query. */
export class LabelledLinesError extends DomainError {
  override name = "LabelledLinesError";
  constructor(
    readonly code: "payload_too_large" | "invalid_jsonl",
    message: string,
  ) {
    super(message);
  }
}

/** Which rules match, and the tier the first deciding one gives (null: the vote decides). */
export function evaluateRules(compiled: readonly CompiledRule[], facts: RequestFacts) {
  const matched = compiled.filter((r) => r.test(facts)).map((r) => ({ name: r.rule.name, action: r.rule.action }));
  const decider = matched.find((m) => "tier" in m.action);
  return { matched, decidedBy: decider?.name ?? null, tier: decider && "tier" in decider.action ? decider.action.tier : null };
}

export interface LabelledOptions {
  /** The configured tiers, cheapest first. */
  tiers: readonly string[];
  /** The facts the router's rules step would see for a query. */
  factsOf: (query: string) => RequestFacts;
  maxLines: number;
}

/**
 * Per line and in total: how often a rule decides, and how often its tier is
 * below the one the label needs (the costly mistake). Up to 10,000 lines
 * times 200 rules is seconds of matching, so it yields to the event loop
 * every few milliseconds.
 */
export async function evaluateLabelled(compiled: readonly CompiledRule[], jsonl: string, options: LabelledOptions) {
  const lines = jsonl.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length > options.maxLines) throw new LabelledLinesError("payload_too_large", `labelled takes at most ${options.maxLines} lines`);
  const rank = (t: string) => options.tiers.indexOf(t);
  let decided = 0;
  let tooWeak = 0;
  let agree = 0;
  const byRule: Record<string, { decided: number; tooWeak: number }> = {};
  const rows: Array<{ line: number; label: string } & ReturnType<typeof evaluateRules>> = [];
  let sliceStart = performance.now();
  for (const [i, line] of lines.entries()) {
    if (performance.now() - sliceStart > YIELD_AFTER_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    let row: { query?: unknown; tier?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      throw new LabelledLinesError("invalid_jsonl", `labelled line ${i + 1}: not valid JSON`);
    }
    if (typeof row.query !== "string" || typeof row.tier !== "string" || rank(row.tier) < 0)
      throw new LabelledLinesError("invalid_jsonl", `labelled line ${i + 1}: needs "query" and a configured "tier"`);
    const result = evaluateRules(compiled, options.factsOf(row.query));
    if (result.tier !== null) {
      decided++;
      const weak = rank(result.tier) < rank(row.tier);
      if (weak) tooWeak++;
      if (result.tier === row.tier) agree++;
      const r = (byRule[result.decidedBy!] ??= { decided: 0, tooWeak: 0 });
      r.decided++;
      if (weak) r.tooWeak++;
    }
    rows.push({ line: i + 1, label: row.tier, ...result });
  }
  return { lines: lines.length, decided, agree, tooWeak, byRule, rows };
}

/** POST /rules/test with `request`: which rules match and which decides. */
export type RuleTestResult = ReturnType<typeof evaluateRules>;
/** POST /rules/test with `labelled`: per line and in total. */
export type LabelledRuleTestResult = Awaited<ReturnType<typeof evaluateLabelled>>;
