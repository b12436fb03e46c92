import type { RequestIdVariables } from "hono/request-id";
import type { Decision } from "../routing/decision.js";

/** The hono environment every route shares: what middleware and handlers put on the context. */
export type AppEnv = {
  Variables: RequestIdVariables & {
    /** The decision of a /route request, for the request log line. */
    decision?: Decision;
    /** The label of the bearer token that authorised the request (audit log). */
    actor?: string;
    /** The routed text, logged only with logQueryText. */
    queryText?: string;
    /** A refused body could not be read to its end within bounds: the connection must close. */
    bodyLeftUnread?: boolean;
    /** Aborted once the answer no longer matters (the deadline answered 503, or the client went away): work still queued for the request is dropped. */
    signal?: AbortSignal;
  };
};
