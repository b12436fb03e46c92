import type { Encoder } from "../embeddings/encoder.js";
import { normalizeBounded } from "../text/normalize.js";
import type { Decision } from "./decision.js";
import type { RouteRequest } from "./pipeline.js";
import type { TierReachability } from "./reachability.js";
import type { Router } from "./router.js";
import { EmptyQueryError } from "./steps/normalize.js";

/** A request names a profile that is not configured (400). */
export class UnknownProfileError extends Error {
  override name = "UnknownProfileError";
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

  route(request: RouteRequest): Promise<Decision> {
    return this.routerOf(request).route(request);
  }

  /**
   * Routes many requests, in order, each to its own result or error. The
   * queries that need the model are embedded together in one call, so a
   * batch costs about one forward pass instead of one per query.
   */
  async routeMany(requests: readonly RouteRequest[]): Promise<Array<Decision | Error>> {
    const texts: string[] = [];
    const slot: Array<number | Error> = requests.map((request) => {
      try {
        this.routerOf(request);
        const { text } = normalizeBounded(request.query, this.encoder.maxInputChars);
        if (text === "") return new EmptyQueryError("query is empty or whitespace only");
        texts.push(text);
        return texts.length - 1;
      } catch (err) {
        return err as Error;
      }
    });
    let vectors: Float32Array[] | undefined;
    try {
      vectors = texts.length > 0 ? await this.encoder.embed(texts) : [];
    } catch {
      vectors = undefined; // each query then embeds (and falls back) on its own
    }
    return Promise.all(
      requests.map(async (request, i) => {
        const s = slot[i]!;
        if (s instanceof Error) return s;
        try {
          return await this.route(vectors ? { ...request, embedding: vectors[s]! } : request);
        } catch (err) {
          return err as Error;
        }
      }),
    );
  }
}
