import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { decisionReasons, isFallback } from "../../src/routing/decision.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";
import { sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

interface Dashboard {
  uid: string;
  templating: { list: Array<{ type: string; query?: string | { query: string } }> };
  panels: Array<{ id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(readFileSync("deploy/grafana/tierline.json", "utf8")) as Dashboard;

/** Every PromQL query of the dashboard: its panels' targets and its query variables. */
function queries(d: Dashboard): string[] {
  const variables = d.templating.list.filter((v) => v.type === "query").map((v) => (typeof v.query === "string" ? v.query : v.query!.query));
  return [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...variables];
}

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"]);

/**
 * The metric names a PromQL expression selects: what is left once strings,
 * label matchers, ranges, Grafana variables, grouping clauses and function
 * calls are taken out.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\$\{?\w+\}?/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!).filter((n) => !keywords.has(n));
  return [...new Set(names)];
}

/** Metric family names and types from the Prometheus text format (`# TYPE name type`). */
function families(exposition: string): Map<string, string> {
  return new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** A sample name a family exposes: the family itself, or a histogram's (summary's) _bucket/_sum/_count series. */
function exposes(known: Map<string, string>, name: string): boolean {
  if (known.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const type = m ? known.get(m[1]!) : undefined;
  return type === "histogram" || (type === "summary" && m![2] !== "bucket");
}

describe("Grafana dashboard deploy/grafana/tierline.json", () => {
  let database: DatabaseHandle;
  let service: TestService;
  let exposition: string;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    service = await startTestService({ database, encoder: createFakeEncoder(), exemplars: sampleExemplars });
    // A few decisions (one repeated: a cache hit) so the labelled series have samples too.
    for (const query of ["What is the capital city of Japan?", "Write a SQL query that returns the top five customers", "What is the capital city of Japan?"]) {
      expect((await service.route({ query })).status).toBe(200);
    }
    const res = await service.app.request("/metrics");
    expect(res.status).toBe(200);
    exposition = await res.text();
  });
  afterAll(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
  });

  it("reads metric names out of PromQL, so a misspelt one is caught", () => {
    expect(metricNames('sum by (tier) (rate(tierline_decisons_total{job=~"$job", reason!~"knn|x"}[$__rate_interval]))')).toEqual(["tierline_decisons_total"]);
    expect(metricNames("histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) / ignoring (verdict) group_left sum(b)")).toEqual(["a_bucket", "b"]);
    expect(metricNames('label_values(tierline_decisions_total{job=~"$job"}, instance)')).toEqual(["tierline_decisions_total", "instance"]);
    expect(exposes(families("# TYPE x_seconds histogram\n# TYPE y counter\n"), "x_seconds_bucket")).toBe(true);
    expect(exposes(families("# TYPE x_seconds histogram\n# TYPE y counter\n"), "y_bucket")).toBe(false);
  });

  it("queries only metrics the service's /metrics exposes", () => {
    const known = families(exposition);
    expect(known.get("tierline_route_duration_seconds")).toBe("histogram");
    // label_values(metric, label): its second argument is a label, not a metric.
    const referenced = new Set(queries(dashboard).flatMap((q) => metricNames(q.replace(/^label_values\((.*),\s*\w+\)$/, "$1"))));
    expect(referenced.size).toBeGreaterThan(15);
    expect([...referenced].filter((name) => !exposes(known, name))).toEqual([]);
  });

  it("covers decisions, fallbacks, the cache, latency, feedback, gateway spend and upstream circuits", () => {
    const referenced = new Set(queries(dashboard).flatMap(metricNames));
    for (const name of [
      "tierline_decisions_total",
      "tierline_out_of_distribution_total",
      "tierline_cache_lookups_total",
      "tierline_route_duration_seconds_bucket",
      "tierline_feedback_total",
      "tierline_gateway_spend_usd_total",
      "tierline_gateway_counterfactual_spend_usd_total",
      "tierline_upstream_circuit_state",
    ]) {
      expect(referenced, name).toContain(name);
    }
  });

  it("counts as fallbacks exactly the reasons the service does", () => {
    const exprs = queries(dashboard).filter((q) => q.includes("reason!~"));
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      const pattern = new RegExp(`^(?:${/reason!~"([^"]+)"/.exec(expr)![1]})$`);
      for (const reason of decisionReasons) expect(!pattern.test(reason), reason).toBe(isFallback(reason));
    }
  });

  it("has unique panel ids and takes its data source from the dashboard's variable", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list[0]).toMatchObject({ type: "datasource", name: "datasource", query: "prometheus" });
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) expect(panel.datasource?.uid, panel.title).toBe("${datasource}");
  });
});
