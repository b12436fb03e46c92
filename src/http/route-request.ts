import { looksLikeCode } from "../base/policy/rule-set.js";
import type { ChatMessageLike } from "../routing/extract-query.js";
import { extractQueryText } from "../routing/extract-query.js";
import type { ConversationFacts, RouteRequest } from "../routing/pipeline.js";
import { ApiError } from "./error-handler.js";

/** The fields of a /route body (also each item of /route/batch, and what the gateway derives from a chat request). */
export interface RouteBody {
  query?: string;
  messages?: readonly (ChatMessageLike & { [k: string]: unknown })[];
  explain?: boolean;
  sessionId?: string;
  tags?: readonly string[];
  profile?: string;
  minTier?: string;
  maxTier?: string;
  allowedTiers?: readonly string[];
  budget?: number;
  tools?: readonly unknown[];
  /** Shadow mode for this request (docs/feedback-loop.md). */
  shadow?: boolean;
}

/** Characters looked at for code: enough to see it, bounded whatever the body holds. */
const CODE_SCAN = 64 * 1024;

/** What rules and the cost estimate need to know about the conversation, computed in one bounded pass. */
export function conversationFacts(body: Pick<RouteBody, "query" | "messages" | "tools">, text: string): ConversationFacts {
  let chars = 0;
  let hasAttachments = false;
  for (const m of body.messages ?? []) {
    if (typeof m.content === "string") chars += m.content.length;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === "text" && typeof part.text === "string") chars += part.text.length;
        else hasAttachments = true;
      }
    }
  }
  return {
    messages: body.messages?.length ?? 1,
    chars: body.messages ? chars : text.length,
    hasCode: looksLikeCode(text.length > CODE_SCAN ? text.slice(0, CODE_SCAN) : text),
    hasAttachments,
    hasTools: (body.tools?.length ?? 0) > 0,
  };
}

/** Turns a validated body into the router's request; 400 for a conversation with nothing to route on. */
export function toRouteRequest(body: RouteBody, context: { caller?: string; sessionId?: string; explain?: boolean }): RouteRequest {
  const text = extractQueryText(body);
  if (text === null) throw new ApiError("no_user_message", 'messages contains no message with role "user"');
  const limits = { minTier: body.minTier, maxTier: body.maxTier, allowedTiers: body.allowedTiers, budget: body.budget };
  const hasLimits = Object.values(limits).some((v) => v !== undefined);
  return {
    query: text,
    explain: context.explain ?? body.explain === true,
    caller: context.caller,
    sessionId: body.sessionId ?? context.sessionId,
    tags: body.tags,
    ...(body.shadow !== undefined && { shadow: body.shadow }),
    profile: body.profile,
    ...(hasLimits && { limits }),
    conversation: conversationFacts(body, text),
  };
}
