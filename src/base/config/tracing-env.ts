import { z } from "zod";

/**
 * OpenTelemetry tracing, off by default and turned on by the standard
 * OTEL_* variables only (docs/operations.md#tracing). Only what decides
 * whether to start the SDK and which exporter to build is read here; the
 * SDK reads the rest of its variables (headers, sampler, batch sizes,
 * resource attributes) itself.
 */
export const tracingSection = z
  .object({
    enabled: z.boolean().default(false),
    serviceName: z.string().min(1).default("tierline"),
    exporters: z.array(z.enum(["otlp", "console"])).default([]),
    /** The OTLP exporter's encoding; gRPC is not supported. */
    protocol: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
  })
  .strict()
  .prefault({});

export type TracingConfig = z.infer<typeof tracingSection>;

type Env = Record<string, string | undefined>;

const set = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim());

/**
 * The raw `tracing` section from the environment (the schema validates it):
 * on when OTEL_TRACES_EXPORTER names an exporter other than `none`, or, with
 * it unset, when an OTLP endpoint is set; always off with
 * OTEL_SDK_DISABLED=true. `origin` records which variable set which field,
 * so an invalid value is blamed on the variable.
 */
export function tracingFromEnv(env: Env, origin: (field: string, variable: string) => void): Record<string, unknown> {
  const serviceName = set(env.OTEL_SERVICE_NAME);
  if (serviceName !== undefined) origin("tracing.serviceName", "OTEL_SERVICE_NAME");
  const named = set(env.OTEL_TRACES_EXPORTER);
  const endpoint = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const exporters = named !== undefined ? [...new Set(named.split(",").map((e) => e.trim().toLowerCase()))].filter((e) => e !== "") : endpoint ? ["otlp"] : [];
  const disabled = set(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true";
  const enabled = !disabled && exporters.length > 0 && !exporters.includes("none");
  if (!enabled) return { enabled: false, ...(serviceName !== undefined && { serviceName }) };
  if (named !== undefined) origin("tracing.exporters", "OTEL_TRACES_EXPORTER");
  const protocolVariable = set(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) !== undefined ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = exporters.includes("otlp") ? set(env[protocolVariable]) : undefined;
  if (protocol !== undefined) origin("tracing.protocol", protocolVariable);
  return { enabled, exporters, ...(serviceName !== undefined && { serviceName }), ...(protocol !== undefined && { protocol }) };
}
