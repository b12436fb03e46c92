import { send } from "./http.js";

/**
 * The sum of every series of one metric in the service's GET /metrics (the
 * Prometheus text format), e.g. `tierline_embedding_batch_size_sum`: the texts
 * the model has embedded so far. NaN when the metric is absent or unreadable.
 */
export async function metricValue(base: string, name: string): Promise<number> {
  const res = await send(base, { method: "GET", path: "/metrics", timeoutMs: 10_000, agent: false });
  if (res.status !== 200) return NaN;
  let sum = NaN;
  for (const line of res.body.toString("utf8").split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== " " && line[name.length] !== "{")) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    sum = (Number.isNaN(sum) ? 0 : sum) + value;
  }
  return sum;
}
