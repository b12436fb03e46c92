import { DomainError } from "../errors.js";
import { z } from "zod";
import { compileSafeRegex, type SafeRegex } from "./safe-regex.js";

/** Facts about a request that rules match on; computed once per request. */
export interface RequestFacts {
  /** The routed text, normalised. */
  text: string;
  /** Estimated input tokens of the whole request. */
  tokens: number;
  /** Messages in an OpenAI-style conversation (1 for a plain query). */
  messages: number;
  hasCode: boolean;
  hasAttachments: boolean;
  hasTools: boolean;
  tags: readonly string[];
}

const tierName = z.string().min(1).max(64);

export const ruleSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** Every condition given must hold. */
    match: z
      .object({
        /** A regular expression (JavaScript syntax, run on RE2: no lookaround or backreferences) tested on the normalised text. */
        regex: z.string().min(1).max(500).optional(),
        flags: z
          .string()
          .regex(/^[imsu]*$/, "only i, m, s and u")
          .optional(),
        /** Any of these words or phrases (case-insensitive, whole words). */
        keywords: z.array(z.string().min(1).max(100)).min(1).max(200).optional(),
        minTokens: z.number().int().min(0).optional(),
        maxTokens: z.number().int().min(0).optional(),
        minMessages: z.number().int().min(0).optional(),
        maxMessages: z.number().int().min(0).optional(),
        hasCode: z.boolean().optional(),
        hasAttachments: z.boolean().optional(),
        hasTools: z.boolean().optional(),
        tag: z.string().min(1).max(64).optional(),
      })
      .strict()
      .refine((m) => Object.keys(m).some((k) => k !== "flags"), "give at least one condition"),
    /** Exactly one: decide the tier, or bound the router's choice from below or above. */
    action: z.union([z.object({ tier: tierName }).strict(), z.object({ minTier: tierName }).strict(), z.object({ maxTier: tierName }).strict()]),
  })
  .strict();

export type Rule = z.infer<typeof ruleSchema>;
export const rulesSchema = z.array(ruleSchema).max(200);

export interface CompiledRule {
  rule: Rule;
  test(facts: RequestFacts): boolean;
}

export class InvalidRuleError extends DomainError {
  override name = "InvalidRuleError";
  readonly code = "invalid_rules" as const;
}

/** Validates names and tiers and compiles the patterns; throws InvalidRuleError naming the rule. */
export function compileRules(rules: readonly Rule[], tiers: readonly string[]): CompiledRule[] {
  const names = new Set<string>();
  return rules.map((rule, i) => {
    const where = `rules[${i}] "${rule.name}"`;
    if (names.has(rule.name)) throw new InvalidRuleError(`${where}: the name is used twice`);
    names.add(rule.name);
    const target = "tier" in rule.action ? rule.action.tier : "minTier" in rule.action ? rule.action.minTier : rule.action.maxTier;
    if (!tiers.includes(target)) throw new InvalidRuleError(`${where}: action names "${target}", which is not a configured tier (${tiers.join(", ")})`);
    const m = rule.match;
    let regex: SafeRegex | undefined;
    if (m.regex !== undefined) {
      try {
        regex = compileSafeRegex(m.regex, m.flags ?? "i");
      } catch (err) {
        throw new InvalidRuleError(`${where}: ${(err as Error).message}`);
      }
    }
    // Escaped literals between single-character classes: V8 matches these in linear time, no RE2 needed.
    const keywords = m.keywords?.map((k) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegex(k)}($|[^\\p{L}\\p{N}])`, "iu"));
    return {
      rule,
      test(f: RequestFacts): boolean {
        if (regex !== undefined && !regex.test(f.text)) return false;
        if (keywords !== undefined && !keywords.some((k) => k.test(f.text))) return false;
        if (m.minTokens !== undefined && f.tokens < m.minTokens) return false;
        if (m.maxTokens !== undefined && f.tokens > m.maxTokens) return false;
        if (m.minMessages !== undefined && f.messages < m.minMessages) return false;
        if (m.maxMessages !== undefined && f.messages > m.maxMessages) return false;
        if (m.hasCode !== undefined && f.hasCode !== m.hasCode) return false;
        if (m.hasAttachments !== undefined && f.hasAttachments !== m.hasAttachments) return false;
        if (m.hasTools !== undefined && f.hasTools !== m.hasTools) return false;
        if (m.tag !== undefined && !f.tags.includes(m.tag)) return false;
        return true;
      },
    };
  });
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Code in a query: a fence, an indented block, or lines that look like statements. */
const CODE = /```|^( {4}|\t)\S|[;{}]\s*$|^\s*(def|class|function|import|from|return|public|private|SELECT|INSERT|#include|const|let|var)\b/m;

export const looksLikeCode = (text: string): boolean => CODE.test(text);
