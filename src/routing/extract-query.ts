export interface ChatMessageLike {
  role: string;
  content?: string | null | ReadonlyArray<{ type: string; text?: string }>;
}

/**
 * The text to route on: the query itself, or the last user message of an
 * OpenAI-style chat (its text parts joined; images and other parts ignored).
 * Returns null when there is no user message to route on.
 */
export function extractQueryText(body: { query?: string; messages?: readonly ChatMessageLike[] }): string | null {
  if (body.query !== undefined) return body.query;
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) {
      return m.content
        .filter((p) => p.type === "text" && typeof p.text === "string")
        .map((p) => p.text)
        .join("\n");
    }
    return "";
  }
  return null;
}
