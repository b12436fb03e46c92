import { diag, DiagLogLevel } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-node";
import type { Logger } from "pino";
import type { TracingConfig } from "../base/config/tracing-env.js";
import { settlesWithin } from "../base/util/timeout.js";

/** Ends tracing: the spans still buffered are exported (bounded), the provider shut down. */
export type StopTracing = () => Promise<void>;

/**
 * Registers the OpenTelemetry SDK as the global tracer provider when the
 * OTEL_* variables turn tracing on (docs/operations.md#tracing); otherwise
 * does nothing, and the spans of base/util/spans.ts stay no-ops. The SDK
 * is imported only when tracing is on. It reads its other variables
 * itself: the OTLP endpoint and headers, the sampler, batch sizes,
 * OTEL_RESOURCE_ATTRIBUTES.
 */
export async function startTracing(config: TracingConfig, logger: Pick<Logger, "warn" | "info">, stopWaitMs = 5_000): Promise<StopTracing> {
  if (!config.enabled) return async () => {};
  const [sdk, resources, semconv] = await Promise.all([import("@opentelemetry/sdk-trace-node"), import("@opentelemetry/resources"), import("@opentelemetry/semantic-conventions")]);
  // The SDK's own complaints (a collector that refuses or does not answer) go to the service's log.
  const warn = (message: string, ...args: unknown[]) => logger.warn({ detail: args.map(String) }, `opentelemetry: ${message}`);
  diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const spanProcessors: SpanProcessor[] = [];
  for (const exporter of config.exporters) {
    if (exporter === "console") spanProcessors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
    else spanProcessors.push(new sdk.BatchSpanProcessor(await otlpExporter(config.protocol)));
  }
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector, resources.hostDetector, resources.processDetector] }))
    .merge(resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: config.serviceName }));
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors });
  // The global provider, AsyncLocalStorage for the active span, W3C trace context and baggage for incoming headers.
  provider.register();
  logger.info({ exporters: config.exporters, protocol: config.protocol, serviceName: config.serviceName }, "tracing on");
  return async () => {
    if (!(await settlesWithin(provider.shutdown(), stopWaitMs))) logger.warn({ waitedMs: stopWaitMs }, "tracing: spans still unexported at shutdown were dropped");
  };
}

/** OTLP over HTTP, encoded as OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says (http/protobuf by default, as the specification has it). */
async function otlpExporter(protocol: TracingConfig["protocol"]) {
  if (protocol === "http/json") return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
  return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
}
