import type { Decision } from "../routing/decision.js";
import type { RouteRequest } from "../routing/pipeline.js";
import { cascadeLadder, type CascadeBand } from "./cascade.js";
import { runChain, type AttemptNote, type ChainDeps } from "../adapters/upstreams/chain.js";
import { nestsDeeperThan } from "../base/util/json-depth.js";
import { decisionAttributes, inSpan } from "../base/util/spans.js";
import { GatewayError, GatewayRequestError, ModelNotFoundError } from "./gateway-errors.js";
import { ExchangeResponder, newExchangeId, type ExchangeDeps, type ExchangeIdentity, type GatewayResponse } from "./exchange.js";
import type { Upstream } from "../adapters/upstreams/upstream-registry.js";
import type { Verifier } from "./verifier.js";

/** A profile's cascade, resolved: its band, its verifier and the score that passes. */
export interface CascadeSettings {
  band: CascadeBand;
  verifier: Verifier;
  threshold: number;
  verifierTimeoutMs: number;
}

/**
 * What a request's `model` selects: a routing profile (undefined: the
 * caller's own, as POST /route picks it), a tier, or a concrete upstream model.
 */
export type Target = { kind: "profile"; profile: string | undefined } | { kind: "tier"; tier: string } | { kind: "model"; model: string; upstreams: Upstream[] };

/** The routing the gateway asks (RoutingService): decisions, and which profiles and tiers exist. */
export interface GatewayRouting {
  route(request: RouteRequest): Promise<Decision>;
  readonly profiles: readonly string[];
  routerOf(request: Pick<RouteRequest, "profile" | "caller">): { tierNames: readonly string[] };
}

export interface GatewayOptions {
  /** The model name that routes with the caller's own profile. */
  alias: string;
  /** Cascade settings by profile; a profile without an entry does not cascade. */
  cascades: ReadonlyMap<string, CascadeSettings>;
  requestTimeoutMs: number;
  streamUsage: boolean;
  /** Deepest nesting of a request body that is forwarded (it is re-serialised per upstream). */
  maxJsonDepth: number;
}

export interface GatewayDeps extends ExchangeDeps {
  chain: ChainDeps;
  routing: GatewayRouting;
  options: GatewayOptions;
}

/** What every attempt of one request shares: the body forwarded, the caller's signal, the deadline, who asks. */
interface Forwarding {
  body: Record<string, unknown>;
  signal: AbortSignal;
  deadline: number;
  base: Pick<ExchangeIdentity, "caller" | "stream" | "breakCaller">;
}

/** A chat-completions request as the HTTP layer validated it. */
export interface GatewayRequest {
  target: Target;
  /** What is forwarded: the caller's body (unknown fields kept) without tierline's own extension; `model` is replaced per upstream. */
  body: Record<string, unknown> & { stream?: boolean | null };
  /** For a profile target: the routing request (the conversation, limits, session, tags), built as POST /route builds it. */
  route?: RouteRequest;
  caller: string;
  signal: AbortSignal;
  /** Cuts the caller's connection; a stream that breaks off upstream breaks the caller's too. */
  breakCaller?: () => boolean;
}

/**
 * The OpenAI-compatible gateway: `model` names a routing profile (routed on
 * the conversation, as POST /route routes, limits and all), a tier, or a
 * concrete upstream model; the request goes to that tier's upstream chain;
 * a profile that asks for it cascades the ambiguous middle. Every attempt
 * is recorded.
 */
export class Gateway {
  private readonly responder: ExchangeResponder;

  constructor(private readonly deps: GatewayDeps) {
    this.responder = new ExchangeResponder(deps);
  }

  get configured(): boolean {
    return this.deps.registry.configured;
  }

  /**
   * The alias ("tierline"), then a profile, then a tier, then a concrete
   * upstream model (a profile named like a tier wins). Throws for a name
   * that is none of them.
   */
  resolve(model: string): Target {
    const { routing, registry, options } = this.deps;
    if (model === options.alias) return { kind: "profile", profile: undefined };
    if (routing.profiles.includes(model)) return { kind: "profile", profile: model };
    if (registry.tierNames.includes(model)) return { kind: "tier", tier: model };
    const upstreams = registry.byModel(model);
    if (upstreams.length > 0) return { kind: "model", model, upstreams };
    throw new ModelNotFoundError(`no profile, tier or upstream model is called "${model}"; GET /v1/models lists them`);
  }

  /** What GET /v1/models lists: the alias and the profiles, then the tiers with their upstream models. */
  models(): Array<{ id: string; kind: "profile" | "tier"; upstreams?: string[]; cascade?: boolean }> {
    const { registry, routing, options } = this.deps;
    return [
      { id: options.alias, kind: "profile" as const },
      ...routing.profiles.map((id) => ({ id, kind: "profile" as const, cascade: options.cascades.has(id) })),
      ...registry.tierNames.map((tier) => ({ id: tier, kind: "tier" as const, upstreams: registry.ownOf(tier).map((u) => u.model) })),
    ];
  }

  /** Routes (for a profile), forwards and answers, in a `gateway` span (docs/operations.md#tracing); throws GatewayError when no upstream could answer. */
  complete(request: GatewayRequest): Promise<GatewayResponse & { decision?: Decision }> {
    return inSpan("gateway", { "tierline.gateway.target": request.target.kind }, async (span) => {
      const response = await this.serve(request);
      if (response.decision) span.setAttributes(decisionAttributes(response.decision));
      return response;
    });
  }

  private async serve(request: GatewayRequest): Promise<GatewayResponse & { decision?: Decision }> {
    if (!this.configured) throw new GatewayError("gateway_not_configured", "no tier has upstreams: configure tiers[].upstreams (docs/gateway.md)");
    const { body, signal, target } = request;
    // Before any upstream is admitted: a body too deep to serialise must never reach an attempt (a half-open probe slot was lost that way).
    if (nestsDeeperThan(body, this.deps.options.maxJsonDepth))
      throw new GatewayRequestError(`the request nests JSON deeper than ${this.deps.options.maxJsonDepth} levels (gateway.maxJsonDepth)`);
    const stream = body.stream === true;
    const forwarded: Record<string, unknown> = { ...body };
    if (stream && this.deps.options.streamUsage) forwarded.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
    const deadline = Date.now() + this.deps.options.requestTimeoutMs;
    const base = { caller: request.caller, stream, breakCaller: request.breakCaller };
    return this.targets[target.kind](request, { body: forwarded, signal, deadline, base });
  }

  /** How each kind of target is served: a concrete model or a tier is forwarded as it is; a profile is routed first. */
  private readonly targets: { [K in Target["kind"]]: (request: GatewayRequest, f: Forwarding) => Promise<GatewayResponse & { decision?: Decision }> } = {
    model: (request, f) => {
      const { upstreams } = request.target as Extract<Target, { kind: "model" }>;
      return this.forward({ ...f.base, decisionId: newExchangeId(), mode: "model", profile: null, tier: upstreams[0]!.tier, reason: "model" }, f, upstreams);
    },
    tier: (request, f) => {
      const { tier } = request.target as Extract<Target, { kind: "tier" }>;
      return this.forward({ ...f.base, decisionId: newExchangeId(), mode: "tier", profile: null, tier, reason: "tier" }, f, this.deps.registry.chainFor(tier));
    },
    profile: async (request, f) => {
      const route = { ...request.route!, profile: (request.target as Extract<Target, { kind: "profile" }>).profile };
      const decision = await this.deps.routing.route(route);
      const id: ExchangeIdentity = { ...f.base, decisionId: decision.decisionId, mode: "routed", profile: decision.profile, tier: decision.tier, reason: decision.reason };
      const cascade = f.base.stream ? undefined : this.deps.options.cascades.get(decision.profile);
      // An answer bounded by a rule, a session or the caller's limits is served as bounded: no cheaper try.
      const ladder = cascade && decision.constrainedBy === undefined ? cascadeLadder(decision, this.deps.routing.routerOf(route).tierNames, cascade.band) : null;
      const response =
        ladder && cascade && this.deps.registry.ownOf(ladder.first).length > 0
          ? await this.cascade(id, f, { ladder, settings: cascade, question: route.query })
          : await this.forward(id, f, this.deps.registry.chainFor(decision.tier));
      return { ...response, decision };
    },
  };

  private async forward(id: ExchangeIdentity, f: Forwarding, upstreams: readonly Upstream[]): Promise<GatewayResponse> {
    const result = await runChain(this.deps.chain, {
      decisionId: id.decisionId,
      kind: "answer",
      upstreams,
      body: f.body,
      stream: id.stream,
      signal: f.signal,
      deadline: f.deadline,
    });
    return this.responder.respond(id, result);
  }

  /**
   * The cheaper tier answers first; its answer is checked, and served when
   * the check passes. A failed (or impossible) check, or a cheap tier that
   * could not answer, escalates to the more capable tier's chain. The answer
   * says which attempts were made (`tierline` in the body, x-tierline-attempts).
   */
  private async cascade(
    id: ExchangeIdentity,
    f: Forwarding,
    plan: { ladder: { first: string; then: string }; settings: CascadeSettings; question: string },
  ): Promise<GatewayResponse> {
    const { ladder, settings, question } = plan;
    const { body, signal, deadline } = f;
    const decorate = (outcome: "accepted" | "escalated", score: number | null) => (notes: AttemptNote[]) => ({
      tierline: { decisionId: id.decisionId, cascade: { first: ladder.first, then: ladder.then, outcome, score }, attempts: notes },
    });
    const cheap = await runChain(this.deps.chain, {
      decisionId: id.decisionId,
      kind: "answer",
      upstreams: this.deps.registry.ownOf(ladder.first),
      body,
      stream: false,
      signal,
      deadline,
    });
    if (cheap.kind === "refused" || (cheap.kind === "failed" && cheap.cancelled)) return this.responder.respond(id, cheap);
    const notes: AttemptNote[] = [...cheap.notes];
    let score: number | null = null;
    let spent = 0;
    if (cheap.kind === "served" && cheap.result.kind === "answer") {
      const answer = cheap.result;
      const text = answer.facts.text;
      score = text === null ? null : await this.verify(settings, { decisionId: id.decisionId, tier: ladder.first, question, answer: text }, signal);
      if (score !== null && score >= settings.threshold) return this.responder.respond(id, cheap, { cascade: "accepted", score, decorate: decorate("accepted", score) });
      // Checked and found wanting: its spend is real, its answer is not served.
      spent = this.responder.recordServed(id, cheap.upstream, { outcome: "ok", status: answer.status, ms: answer.ms, usage: answer.facts.usage, served: false, score }) ?? 0;
      notes.push({ upstream: cheap.upstream.id, outcome: "ok", status: answer.status });
    }
    if (signal.aborted) return this.responder.respond(id, { kind: "failed", notes: [], cancelled: true, timedOut: false }, { notes });
    const escalated = await runChain(this.deps.chain, {
      decisionId: id.decisionId,
      kind: "answer",
      upstreams: this.deps.registry.chainFor(ladder.then),
      body,
      stream: false,
      signal,
      deadline,
    });
    return this.responder.respond(id, escalated, { notes, cascade: "escalated", costUsd: spent, decorate: decorate("escalated", score) });
  }

  /** The verifier's score, bounded by its timeout; null (escalate) when it fails or is late. */
  private async verify(settings: CascadeSettings, input: { decisionId: string; tier: string; question: string; answer: string }, signal: AbortSignal): Promise<number | null> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(null);
      }, settings.verifierTimeoutMs);
    });
    try {
      const score = await Promise.race([settings.verifier.verify({ ...input, signal: controller.signal }).catch(() => null), late]);
      return score === null || !Number.isFinite(score) ? null : Math.min(1, Math.max(0, score));
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }
}
