/**
 * What tracing costs a routed request, without the request: the spans of one
 * POST /route (the HTTP span, `route`, 17 steps, `embed`, `index.search`:
 * 21 spans, nested as in a real trace) around empty work, timed with tracing
 * off (no provider: the API's no-op tracer), and on (the SDK with a batch
 * processor and an exporter that drops what it is given, so no network is
 * counted). The difference from the same shape without spans is the cost per
 * request. docs/operations.md#tracing quotes it.
 *   npx tsx bench/span-overhead.ts [iterations]
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { inSpan } from "../src/base/util/spans.js";

const iterations = Number(process.argv[2] ?? 5_000);
const STEPS = 17;

/** The shape of one request's work: awaited steps, two of which do something inside. */
async function plain(): Promise<void> {
  await (async () => {
    for (let i = 0; i < STEPS; i++) {
      await (() => {
        if (i === 5) return Promise.resolve(1);
        if (i === 7) return [].slice();
        return undefined;
      })();
    }
  })();
}

async function traced(): Promise<void> {
  await inSpan("POST /route", { "http.request.method": "POST", "url.path": "/route" }, () =>
    inSpan("route", { "tierline.profile": "default" }, async () => {
      for (let i = 0; i < STEPS; i++) {
        await inSpan(`step ${i}`, {}, () => {
          if (i === 5) return inSpan("embed", { "tierline.embed.texts": 1 }, () => Promise.resolve(1));
          if (i === 7) return inSpan("index.search", { "tierline.index.k": 7 }, () => [].slice());
          return undefined;
        });
      }
    }),
  );
}

/** Microseconds per call, the best of five runs (a shared machine's noise only ever adds). */
async function time(fn: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    best = Math.min(best, ((performance.now() - started) * 1000) / iterations);
  }
  return best;
}

const base = await time(plain);
const off = await time(traced);
const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor({ export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }, { maxQueueSize: 100_000 })],
});
provider.register();
const on = await time(traced);
await provider.shutdown();
trace.disable();
context.disable();
propagation.disable();
const round = (us: number) => Math.round(us * 10) / 10;
console.log(`per request (21 spans), ${iterations} iterations, best of 5:`);
console.log(`  no spans:     ${round(base)} µs`);
console.log(`  tracing off:  ${round(off)} µs  (+${round(off - base)} µs)`);
console.log(`  tracing on:   ${round(on)} µs  (+${round(on - base)} µs)`);
