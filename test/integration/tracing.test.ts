import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { databaseTargets } from "../helpers/databases.js";
import { ask, hardQuestion, startGatewayService, type GatewayTestService } from "../helpers/gateway.js";

// The span tree of a routed request and of a gateway request with a fallback (docs/operations.md#tracing),
// through an in-memory exporter registered as the global provider, as app/tracing.ts registers the SDK's.
// A fresh provider per database target: a provider that was shut down exports nothing more.
let exporter = new InMemorySpanExporter();
let provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** The spans of one trace, with their parents and children by id. */
function tree(root: ReadableSpan) {
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const idOf = (s: ReadableSpan) => s.spanContext().spanId;
  const parentOf = (s: ReadableSpan) => spans.find((p) => idOf(p) === s.parentSpanContext?.spanId);
  // In the order they ended (the exporter's): for spans run one after another, the order they ran in.
  const children = (s: ReadableSpan) => spans.filter((c) => c.parentSpanContext?.spanId === idOf(s));
  const named = (name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found, `one span named ${name}`).toHaveLength(1);
    return found[0]!;
  };
  const isUnder = (s: ReadableSpan, ancestor: ReadableSpan): boolean => {
    for (let p = parentOf(s); p !== undefined; p = parentOf(p)) if (p === ancestor) return true;
    return false;
  };
  return { spans, parentOf, children, named, isUnder };
}

/** The one root span of the requests sent since the exporter was reset. */
function rootNamed(name: string): ReadableSpan {
  const roots = exporter.getFinishedSpans().filter((s) => s.name === name && s.parentSpanContext === undefined);
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

/** `expected` appears in `actual` in this order (other entries may come between). */
function expectInOrder(actual: string[], expected: string[]) {
  let at = 0;
  for (const name of actual) if (name === expected[at]) at++;
  expect(at, `${expected.join(" → ")} in ${actual.join(" → ")}`).toBe(expected.length);
}

describe.each(databaseTargets())("tracing on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  // Every tier's first upstream fails (HTTP 500) and its second answers: whatever tier a query routes to falls back once.
  const failing = new FakeUpstream();
  const answering = new FakeUpstream();

  beforeAll(async () => {
    exporter = new InMemorySpanExporter();
    provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    await Promise.all([failing.start(), answering.start()]);
    failing.script = { status: 500, errorBody: '{"error":{"message":"down"}}' };
    database = await target.open();
    const tier = (name: string, price: number) => ({
      name,
      model: `${name}-model`,
      pricePer1MTokens: price,
      upstreams: [
        { baseUrl: failing.baseUrl, model: `${name}-a` },
        { baseUrl: answering.baseUrl, model: `${name}-b` },
      ],
    });
    service = await startGatewayService({ database, config: { tiers: [tier("fast", 0.2), tier("standard", 1), tier("premium", 10)] } });
  });
  afterAll(async () => {
    await service?.deps.lifecycle.stop();
    await database?.close();
    await Promise.all([failing.stop(), answering.stop()]);
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it("traces a routed request: the HTTP span, the route, each step in order, the embedding under its step, the index search under its", async () => {
    const res = await service.route({ query: "What is the capital city of Italy?" });
    expect(res.status).toBe(200);
    const decision = (await res.json()) as { decisionId: string; tier: string; reason: string };

    const http = rootNamed("POST /route");
    expect(http.kind).toBe(SpanKind.SERVER);
    const decisionAttributes = { "tierline.decision.id": decision.decisionId, "tierline.decision.tier": decision.tier, "tierline.decision.reason": decision.reason };
    expect(http.attributes).toMatchObject({ "http.request.method": "POST", "url.path": "/route", "http.route": "/route", "http.response.status_code": 200, ...decisionAttributes });

    const t = tree(http);
    const route = t.named("route");
    expect(t.parentOf(route)).toBe(http);
    expect(route.attributes).toMatchObject({ "tierline.profile": "default", ...decisionAttributes });

    // The steps are the route's children, in the order they ran.
    const steps = t.children(route);
    expect(steps.every((s) => s.name.startsWith("step "))).toBe(true);
    expectInOrder(
      steps.map((s) => s.name),
      ["step normalize", "step rules", "step embed", "step cache-lookup", "step neighbors", "step vote", "step guards", "step cache-record", "step limits"],
    );

    const embed = t.named("embed");
    expect(t.parentOf(embed)?.name).toBe("step embed");
    expect(embed.attributes).toMatchObject({ "tierline.embed.texts": 1, "tierline.embed.priority": "interactive" });
    const search = t.named("index.search");
    expect(t.parentOf(search)?.name).toBe("step neighbors");
    expect(search.attributes["tierline.index.k"]).toBeGreaterThanOrEqual(service.config.routing.k);
    expect(t.spans.every((s) => s === http || t.isUnder(s, http))).toBe(true);
    expect(t.spans.filter((s) => s.status.code === SpanStatusCode.ERROR)).toEqual([]);
  });

  it("traces a gateway request with a fallback: two upstream spans under the gateway span, the first failed, the second ok", async () => {
    const res = await service.chat(ask(hardQuestion));
    expect(res.status).toBe(200);
    const decisionId = res.headers.get("x-tierline-decision-id")!;

    const http = rootNamed("POST /v1/chat/completions");
    const t = tree(http);
    const gateway = t.named("gateway");
    expect(t.parentOf(gateway)).toBe(http);
    const tier = gateway.attributes["tierline.decision.tier"] as string;
    expect(gateway.attributes).toMatchObject({ "tierline.gateway.target": "profile", "tierline.decision.id": decisionId });
    expect(http.attributes).toMatchObject({ "http.response.status_code": 200, "tierline.decision.id": decisionId, "tierline.decision.tier": tier });

    // The routing decision, then the attempts, all under the gateway span.
    const [route, ...attempts] = t.children(gateway);
    expect(route!.name).toBe("route");
    expect(attempts.map((a) => a.name)).toEqual([`upstream ${tier}/0`, `upstream ${tier}/1`]);
    const [first, second] = attempts as [ReadableSpan, ReadableSpan];
    expect(first.kind).toBe(SpanKind.CLIENT);
    expect(first.attributes).toMatchObject({
      "tierline.upstream.id": `${tier}/0`,
      "tierline.tier": tier,
      "tierline.upstream.outcome": "server_error",
      "http.response.status_code": 500,
    });
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(second.attributes).toMatchObject({ "tierline.upstream.id": `${tier}/1`, "tierline.upstream.outcome": "ok", "http.response.status_code": 200 });
    expect(second.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(res.headers.get("x-tierline-attempts")).toBe(`${tier}/0=server_error:500, ${tier}/1=ok`);
    // Each upstream joined the trace under its own attempt's span.
    const traceparent = (s: ReadableSpan) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`;
    expect(failing.requests.at(-1)!.headers.traceparent).toBe(traceparent(first));
    expect(answering.requests.at(-1)!.headers.traceparent).toBe(traceparent(second));
  });

  it("writes the attempt log in a db flush span of its own", async () => {
    await service.chat(ask(hardQuestion));
    await service.deps.gatewayLog.flush();
    const flush = exporter.getFinishedSpans().find((s) => s.name === "db flush" && s.attributes["tierline.writer"] === "GatewayLog");
    expect(flush?.attributes["tierline.rows"]).toBeGreaterThan(0);
  });
});
