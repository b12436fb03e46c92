import type { Decision } from "../routing/decision.js";
import { extractQueryText, type ChatMessageLike } from "../routing/extract-query.js";
import type { RouteRequest } from "../routing/pipeline.js";
import { EmptyQueryError } from "../routing/steps/normalize.js";
import { cascadeLadder, type CascadeBand } from "./cascade.js";
import { runChain, type AttemptNote, type ChainDeps } from "./chain.js";
import { GatewayError, ModelNotFoundError, NoUserMessageError } from "./errors.js";
import { ExchangeResponder, newExchangeId, type ExchangeDeps, type ExchangeIdentity, type GatewayResponse } from "./exchange.js";
import { answerText } from "./prompts.js";
import { parseJson, usageOf } from "./recorder.js";
import type { Upstream } from "./upstreams.js";
import type { Verifier } from "./verifier.js";

/** A profile's cascade, resolved: its band, its verifier and the score that passes. */
export interface CascadeSettings {
  band: CascadeBand;
  verifier: Verifier;
  threshold: number;
  verifierTimeoutMs: number;
}

/** What a request's `model` selects. */
export type Target = { kind: "profile"; name: string; cascade: CascadeSettings | null } | { kind: "tier"; tier: string } | { kind: "model"; model: string; upstreams: Upstream[] };

export interface GatewayOptions {
  /** Profiles by name ("tierline" always among them). */
  profiles: ReadonlyMap<string, { cascade: CascadeSettings | null }>;
  requestTimeoutMs: number;
  streamUsage: boolean;
}

export interface GatewayDeps extends ExchangeDeps {
  chain: ChainDeps;
  router: { route(request: RouteRequest): Promise<Decision> };
  options: GatewayOptions;
}

/** A chat-completions request as the HTTP layer validated it (unknown fields kept, forwarded as they are). */
export interface GatewayRequest {
  body: Record<string, unknown> & { model: string; messages: readonly ChatMessageLike[]; stream?: boolean | null };
  caller: string;
  sessionId?: string;
  tags?: readonly string[];
  signal: AbortSignal;
  /** Cuts the caller's connection; a stream that breaks off upstream breaks the caller's too. */
  breakCaller?: () => boolean;
}

/**
 * The OpenAI-compatible gateway: resolves `model` to a profile (routed on
 * the conversation, as POST /route routes), a tier, or a concrete upstream
 * model; forwards to that tier's upstream chain; cascades the ambiguous
 * middle when the profile asks for it. Every attempt is recorded.
 */
export class Gateway {
  private readonly responder: ExchangeResponder;

  constructor(private readonly deps: GatewayDeps) {
    this.responder = new ExchangeResponder(deps);
  }

  get configured(): boolean {
    return this.deps.registry.configured;
  }

  /** A profile first, then a tier, then a concrete upstream model; null when nothing has that name. */
  resolve(model: string): Target | null {
    const profile = this.deps.options.profiles.get(model);
    if (profile) return { kind: "profile", name: model, cascade: profile.cascade };
    if (this.deps.registry.tierNames.includes(model)) return { kind: "tier", tier: model };
    const upstreams = this.deps.registry.byModel(model);
    return upstreams.length > 0 ? { kind: "model", model, upstreams } : null;
  }

  /** What GET /v1/models lists: the profiles, then the tiers with their upstream models. */
  models(): Array<{ id: string; kind: "profile" | "tier"; tier?: string; upstreams?: string[]; cascade?: boolean }> {
    const { registry, options } = this.deps;
    return [
      ...[...options.profiles].map(([id, p]) => ({ id, kind: "profile" as const, cascade: p.cascade !== null })),
      ...registry.tierNames.map((tier) => ({ id: tier, kind: "tier" as const, tier, upstreams: registry.ownOf(tier).map((u) => u.model) })),
    ];
  }

  /** Routes (for a profile), forwards and answers; throws GatewayError when no upstream could answer. */
  async complete(request: GatewayRequest): Promise<GatewayResponse & { decision?: Decision }> {
    if (!this.configured) throw new GatewayError("gateway_not_configured", "no tier has upstreams: configure tiers[].upstreams (README \"Gateway\")");
    const { body, signal } = request;
    const target = this.resolve(body.model);
    if (target === null) throw new ModelNotFoundError(`no profile, tier or upstream model is called "${body.model}"; GET /v1/models lists them`);
    const stream = body.stream === true;
    const forwarded: Record<string, unknown> = { ...body };
    if (stream && this.deps.options.streamUsage) forwarded.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
    const deadline = Date.now() + this.deps.options.requestTimeoutMs;
    const base = { caller: request.caller, stream, breakCaller: request.breakCaller };

    if (target.kind === "model") {
      const id: ExchangeIdentity = { ...base, decisionId: newExchangeId(), mode: "model", profile: null, tier: target.upstreams[0]!.tier, reason: "model" };
      return this.forward(id, target.upstreams, forwarded, signal, deadline);
    }
    if (target.kind === "tier") {
      const id: ExchangeIdentity = { ...base, decisionId: newExchangeId(), mode: "tier", profile: null, tier: target.tier, reason: "tier" };
      return this.forward(id, this.deps.registry.chainFor(target.tier), forwarded, signal, deadline);
    }
    const question = extractQueryText({ messages: body.messages });
    if (question === null) throw new NoUserMessageError('messages contains no message with role "user"');
    if (question.trim() === "") throw new EmptyQueryError("the query is empty or whitespace only");
    const decision = await this.deps.router.route({ query: question, caller: request.caller, sessionId: request.sessionId, tags: request.tags });
    const id: ExchangeIdentity = { ...base, decisionId: decision.decisionId, mode: "routed", profile: target.name, tier: decision.tier, reason: decision.reason };
    const ladder = !stream && target.cascade ? cascadeLadder(decision, this.deps.registry.tierNames, target.cascade.band) : null;
    const response =
      ladder && target.cascade && this.deps.registry.ownOf(ladder.first).length > 0
        ? await this.cascade(id, ladder, target.cascade, question, forwarded, signal, deadline)
        : await this.forward(id, this.deps.registry.chainFor(decision.tier), forwarded, signal, deadline);
    return { ...response, decision };
  }

  private async forward(id: ExchangeIdentity, upstreams: readonly Upstream[], body: Record<string, unknown>, signal: AbortSignal, deadline: number): Promise<GatewayResponse> {
    const result = await runChain(this.deps.chain, { decisionId: id.decisionId, kind: "answer", upstreams, body, stream: id.stream, signal, deadline });
    return this.responder.respond(id, result);
  }

  /**
   * The cheaper tier answers first; its answer is checked, and served when
   * the check passes. A failed (or impossible) check, or a cheap tier that
   * could not answer, escalates to the more capable tier's chain. The answer
   * says which attempts were made (`tierline` in the body, x-tierline-attempts).
   */
  private async cascade(id: ExchangeIdentity, ladder: { first: string; then: string }, settings: CascadeSettings, question: string, body: Record<string, unknown>, signal: AbortSignal, deadline: number): Promise<GatewayResponse> {
    const decorate = (outcome: "accepted" | "escalated", score: number | null) => (json: Record<string, unknown>, notes: AttemptNote[]) => {
      json.tierline = { decisionId: id.decisionId, cascade: { first: ladder.first, then: ladder.then, outcome, score }, attempts: notes };
    };
    const cheap = await runChain(this.deps.chain, { decisionId: id.decisionId, kind: "answer", upstreams: this.deps.registry.ownOf(ladder.first), body, stream: false, signal, deadline });
    if (cheap.kind === "refused" || (cheap.kind === "failed" && cheap.cancelled)) return this.responder.respond(id, cheap);
    const notes: AttemptNote[] = [...cheap.notes];
    let score: number | null = null;
    let spent = 0;
    if (cheap.kind === "served" && cheap.result.kind === "answer") {
      const answer = cheap.result;
      const text = answerText(parseJson(answer.body));
      score = text === null ? null : await this.verify(settings, { decisionId: id.decisionId, tier: ladder.first, question, answer: text }, signal);
      if (score !== null && score >= settings.threshold) return this.responder.respond(id, cheap, { cascade: "accepted", score, decorate: decorate("accepted", score) });
      // Checked and found wanting: its spend is real, its answer is not served.
      spent = this.responder.recordServed(id, cheap.upstream, "ok", answer.status, answer.ms, usageOf(parseJson(answer.body)), false, score) ?? 0;
      notes.push({ upstream: cheap.upstream.id, outcome: "ok", status: answer.status });
    }
    if (signal.aborted) return this.responder.respond(id, { kind: "failed", notes: [], cancelled: true, timedOut: false }, { notes });
    const escalated = await runChain(this.deps.chain, { decisionId: id.decisionId, kind: "answer", upstreams: this.deps.registry.chainFor(ladder.then), body, stream: false, signal, deadline });
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
