import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { startTracing } from "../../src/app/tracing.js";
import { ConfigError, parseConfig } from "../../src/base/config/load-config.js";
import { inSpan } from "../../src/base/util/spans.js";

const tracingOf = (env: Record<string, string>) => parseConfig({}, env).tracing;
const logger = { warn: () => {}, info: () => {} };

describe("tracing from the OTEL_* environment (base/config/tracing-env.ts)", () => {
  it("is off without the variables, named tierline", () => {
    expect(tracingOf({})).toMatchObject({ enabled: false, serviceName: "tierline", exporters: [] });
  });

  it("is on with an OTLP endpoint (http/protobuf by default) or a named exporter", () => {
    expect(tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toEqual({
      enabled: true,
      serviceName: "tierline",
      exporters: ["otlp"],
      protocol: "http/protobuf",
    });
    expect(tracingOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toMatchObject({ enabled: true, exporters: ["otlp"] });
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "console" })).toMatchObject({ enabled: true, exporters: ["console"] });
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "otlp, console", OTEL_SERVICE_NAME: "router-eu" })).toMatchObject({
      enabled: true,
      exporters: ["otlp", "console"],
      serviceName: "router-eu",
    });
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).protocol).toBe("http/json");
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf" }).protocol).toBe(
      "http/protobuf",
    );
  });

  it("is off with exporter none, and always with OTEL_SDK_DISABLED=true", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(tracingOf({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).enabled).toBe(false);
    expect(tracingOf({ ...endpoint, OTEL_SDK_DISABLED: "true" }).enabled).toBe(false);
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "console", OTEL_SDK_DISABLED: "TRUE" }).enabled).toBe(false);
    // Off, an exporter it would not support is not an error.
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "zipkin", OTEL_SDK_DISABLED: "true" }).enabled).toBe(false);
    expect(tracingOf({ ...endpoint, OTEL_SDK_DISABLED: "false" }).enabled).toBe(true);
  });

  it("refuses what it cannot do, naming the variable, and the section in the config file", () => {
    expect(() => tracingOf({ OTEL_TRACES_EXPORTER: "zipkin" })).toThrow(/\(environment\) OTEL_TRACES_EXPORTER/);
    expect(() => tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/\(environment\) OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => parseConfig({ tracing: { enabled: true } })).toThrow(ConfigError);
  });
});

describe("startTracing (app/tracing.ts)", () => {
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("registers nothing while off: the global tracer stays the no-op one", async () => {
    const stop = await startTracing(tracingOf({}), logger);
    const span = trace.getTracer("tierline").startSpan("probe");
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe("0".repeat(32));
    span.end();
    expect(inSpan("probe", {}, (s) => s.isRecording())).toBe(false);
    await stop();
  });

  it("when on, exports the service's spans over OTLP to the endpoint the SDK reads", async () => {
    const received: Array<{ path: string; type: string | undefined; body: string }> = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ path: req.url ?? "", type: req.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" };
    // The exporter reads its endpoint from the process's environment itself.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const stop = await startTracing(tracingOf({ ...env, OTEL_SERVICE_NAME: "tierline-test" }), logger);
      expect(await inSpan("probe", { "tierline.test": 1 }, async (span) => span.isRecording())).toBe(true);
      await stop();
    } finally {
      process.env = saved;
      await new Promise((r) => collector.close(r));
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: "/v1/traces", type: "application/json" });
    expect(received[0]!.body).toContain('"name":"probe"');
    expect(received[0]!.body).toContain('"stringValue":"tierline-test"');
  });
});
