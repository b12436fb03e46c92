import type { Config } from "../config.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { ExemplarIndex } from "../routing/exemplar-index.js";
import { Router, routerOptionsFrom, type RouteDecision } from "../routing/router.js";

/**
 * Routes each query through the service's own Router (normalise, truncate,
 * embed, search, vote, fallbacks) with the config's routing values; only the
 * decision cache is left out, so every query is decided afresh.
 */
export async function routeWithServiceRouter(
  config: Config,
  encoder: Encoder,
  index: ExemplarIndex,
  queries: readonly string[],
  onProgress?: (done: number, total: number) => void,
): Promise<RouteDecision[]> {
  const router = new Router({
    encoder,
    index: () => index,
    cache: null,
    options: routerOptionsFrom(config),
  });
  const out: RouteDecision[] = [];
  for (const q of queries) {
    out.push(await router.route(q));
    onProgress?.(out.length, queries.length);
  }
  return out;
}
