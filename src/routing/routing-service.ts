import { DomainError } from "../base/errors.js";
import type { Encoder } from "../adapters/embeddings/encoder.js";
import { BatchLaneFullError } from "../adapters/embeddings/work-estimate.js";
import { yieldToEventLoop } from "../base/util/yield.js";
import type { Decision } from "./decision.js";
import type { RouteRequest } from "./pipeline.js";
import type { TierReachability } from "./reachability.js";
import type { Router } from "./router.js";
import { normalizeQueryText } from "./steps/normalize-query.js";

/** Batch items routed between two yields to the event loop. */
const ROUTE_CHUNK = 32;

/** A request names a profile that is not configured (400). */
export class UnknownProfileError extends DomainError {
  override name = "UnknownProfileError";
  readonly code = "unknown_profile" as const;
}

/**
 * The routers of every profile behind one door: a request goes to the
 * profile it names, else the one its caller's token maps to, else
 * "default". Batches embed all their queries in one pass.
 */
export class RoutingService {
  constructor(
    private readonly routers: ReadonlyMap<string, Router>,
    /** Token label -> profile. */
    private readonly profileOfCaller: ReadonlyMap<string, string>,
    private readonly encoder: Encoder,
    /** Throws BatchLaneFullError when the model's batch lane has no room for this many texts (the lane's own check, asked early). */
    private readonly batchRoom: (texts: number) => void = () => {},
  ) {}

  get profiles(): string[] {
    return [...this.routers.keys()];
  }

  /** The router of a profile (the gateway lists them). */
  routerOf(request: Pick<RouteRequest, "profile" | "caller">): Router {
    const name = request.profile ?? (request.caller !== undefined ? this.profileOfCaller.get(request.caller) : undefined) ?? "default";
    const router = this.routers.get(name);
    if (router === undefined) throw new UnknownProfileError(`profile "${name}" is not configured (profiles: ${this.profiles.join(", ")})`);
    return router;
  }

  /** Tiers of the default profile that its decision rule can never choose with the current exemplars (warnings at start and in /stats/routing). */
  unreachableTiers(): TierReachability[] {
    return this.routers.get("default")?.unreachableTiers() ?? [];
  }

  /**
   * Throws BatchLaneFullError when a batch of this many queries would be
   * refused anyway: a handler asks before validating the items, so a
   * refusal under a burst costs next to nothing.
   */
  admitBatch(queries: number): void {
    this.batchRoom(queries);
  }

  route(request: RouteRequest): Promise<Decision> {
    return this.routerOf(request).route(request);
  }

  /**
   * Routes many requests, in order, each to its own result or error. The
   * queries that need the model are embedded together in one call, in the
   * model's batch lane (after single queries), so a batch costs about one
   * forward pass per slice instead of one per query. Throws, deciding
   * nothing, when the batch lane is full (BatchLaneFullError) or the signal
   * aborts (the request's deadline passed, or its client went away).
   */
  async routeMany(requests: readonly RouteRequest[], options: { signal?: AbortSignal } = {}): Promise<Array<Decision | Error>> {
    const { signal } = options;
    const texts: string[] = [];
    const slot: Array<{ at: number; normalized: { text: string; truncated: boolean } } | Error> = requests.map((request) => {
      try {
        this.routerOf(request);
        const normalized = normalizeQueryText(request.query, this.encoder.maxInputChars);
        texts.push(normalized.text);
        return { at: texts.length - 1, normalized };
      } catch (err) {
        return err as Error;
      }
    });
    let vectors: Float32Array[] | undefined;
    try {
      vectors = texts.length > 0 ? await this.encoder.embed(texts, { priority: "batch", signal }) : [];
    } catch (err) {
      if (signal?.aborted || err instanceof BatchLaneFullError) throw err;
      vectors = undefined; // a model failure: each query then embeds (and falls back) on its own
    }
    const routeOne = async (request: RouteRequest, i: number): Promise<Decision | Error> => {
      const s = slot[i]!;
      if (s instanceof Error) return s;
      try {
        const normalized = s.normalized;
        return await this.route(vectors ? { ...request, normalized, embedding: vectors[s.at]!, signal } : { ...request, normalized, signal, priority: "batch" });
      } catch (err) {
        return err as Error;
      }
    };
    // In chunks with a yield between: 256 long items take tens of ms of search and features, which single queries need not wait for.
    const results: Array<Decision | Error> = [];
    for (let at = 0; at < requests.length; at += ROUTE_CHUNK) {
      if (at > 0) await yieldToEventLoop();
      results.push(...(await Promise.all(requests.slice(at, at + ROUTE_CHUNK).map((request, k) => routeOne(request, at + k)))));
    }
    return results;
  }
}
