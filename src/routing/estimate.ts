/**
 * Input tokens a model would read for this text: about four characters a
 * token for English and code, the usual rule of thumb; a tokenizer-exact
 * count would cost a pass over the text per tier and still differ by model.
 */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** A request's input tokens: every message of a conversation, else the query. */
export function estimateRequestTokens(request: { query: string; conversation?: { chars: number } }): number {
  return estimateTokens(request.conversation?.chars ?? request.query.length);
}
