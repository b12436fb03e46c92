import {
  type Attributes,
  type Context,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { withoutBoundValues } from "./bound-values.js";

/**
 * The service's OpenTelemetry spans, all through here so domain code names
 * a span and its attributes and nothing more (docs/operations.md#tracing).
 * Until app/tracing.ts registers a provider (tracing is off by default) a
 * span is skipped: fn runs with a span that records nothing.
 */

export { SpanKind };
export type { Attributes, Span };

/** A span that records nothing: what fn gets while no provider is registered. */
const NOT_TRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
let current: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The tracer of the provider registered now, undefined while there is none
 * (then a span is skipped outright: no context, no allocation). Asked each
 * time, as a provider may be registered later (or, in tests, replaced).
 */
function liveTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (current?.provider === provider) return current.tracer;
  const tracer = provider instanceof ProxyTracerProvider ? provider.getDelegateTracer("tierline") : provider.getTracer("tierline");
  if (tracer !== undefined) current = { provider, tracer };
  return tracer;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The parent (e.g. a trace context extracted from a request's headers); default: the active span. */
  parent?: Context;
}

/**
 * Runs fn in a new span, a child of the active one, that is active for
 * everything fn starts (sync or async). The span ends when fn returns or,
 * when fn returns a promise, when that settles; a throw or a rejection is
 * recorded on it with an error status and passed on.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T, options: SpanOptions = {}): T {
  const tracer = liveTracer();
  if (tracer === undefined) return fn(NOT_TRACED);
  const run = (span: Span): T => {
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      failSpan(span, err);
      span.end();
      throw err;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        failSpan(span, err);
        span.end();
        throw err;
      },
    ) as T;
  };
  const spanOptions = { attributes, kind: options.kind };
  return options.parent === undefined ? tracer.startActiveSpan(name, spanOptions, run) : tracer.startActiveSpan(name, spanOptions, options.parent, run);
}

/** Marks a span failed: an Error as an exception event, and the status an error with its message. */
export function failSpan(span: Span, err: unknown): void {
  const message = withoutBoundValues(err instanceof Error ? err.message : String(err));
  // Without a database error's bound values (user text), as in the logs.
  if (err instanceof Error) span.recordException({ name: err.name, message, stack: err.stack === undefined ? undefined : withoutBoundValues(err.stack) });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Marks the active span failed (a failure that is handled, not thrown). */
export function failActiveSpan(err: unknown): void {
  const span = trace.getActiveSpan();
  if (span !== undefined) failSpan(span, err);
}

/** The attributes every span that knows the decision carries. */
export function decisionAttributes(decision: { decisionId: string; tier: string; reason: string }): Attributes {
  return { "tierline.decision.id": decision.decisionId, "tierline.decision.tier": decision.tier, "tierline.decision.reason": decision.reason };
}
