/**
 * The fixed prompts of the gateway's own model calls. Fixed on purpose: a
 * rating is only comparable over time if the question never changes.
 */

type Message = { role: "system" | "user"; content: string };

/** Text longer than this is cut before it goes into a prompt (the rating needs the gist, not every line). */
const MAX_PROMPT_TEXT = 4_000;
const cut = (text: string) => (text.length > MAX_PROMPT_TEXT ? `${text.slice(0, MAX_PROMPT_TEXT)}…` : text);

/** The pattern notes' "Rate the complexity of this question on a scale of 1 to 5". */
export function complexityPrompt(query: string): Message[] {
  return [
    {
      role: "system",
      content:
        "You rate how hard a request is for a language model. Reply with one digit from 1 to 5 and nothing else. " +
        "1: a fact lookup, a greeting, a one-line conversion. 2: a short explanation or a simple rewrite. " +
        "3: ordinary writing, coding or analysis with a few steps. 4: long or specialised work needing careful reasoning. " +
        "5: expert, multi-step reasoning: proofs, system design, legal or medical judgement.",
    },
    { role: "user", content: `Rate the complexity of this request on a scale of 1 to 5.\n\nRequest:\n${cut(query)}` },
  ];
}

/** The pattern notes' score_confidence: the cheap model rates its own answer. */
export function selfRatingPrompt(question: string, answer: string): Message[] {
  return [
    {
      role: "system",
      content:
        "You check answers. Reply with one integer from 0 to 10 and nothing else: how confident you are that the answer is correct, complete and fully addresses the request.",
    },
    { role: "user", content: `Request:\n${cut(question)}\n\nAnswer:\n${cut(answer)}\n\nHow confident are you that this answer is correct and complete (0 to 10)?` },
  ];
}

/** The first integer in a reply if it lies in [min, max]; null otherwise (a refusal, prose, an out-of-range number). */
export function parseScore(reply: string | null, min: number, max: number): number | null {
  if (reply === null) return null;
  const match = /-?\d+(\.\d+)?/.exec(reply);
  if (match === null) return null;
  const n = Number(match[0]);
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

/** The text of an OpenAI chat answer's first choice; null for tool calls, refusals and anything else. */
export function answerText(json: unknown): string | null {
  const content = (json as { choices?: Array<{ message?: { content?: unknown } }> } | null)?.choices?.[0]?.message?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const text = content.filter((p) => p?.type === "text" && typeof p.text === "string").map((p) => p.text as string);
    return text.length > 0 ? text.join("\n") : null;
  }
  return null;
}
