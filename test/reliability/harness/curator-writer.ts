/**
 * A curator client that keeps books: every write carries an Idempotency-Key,
 * every answer is classified (committed / rejected / unknown), unknown writes
 * are retried with the same key until they settle, and the exemplars the
 * client was told exist (with their notes) can be compared with what the
 * database really holds.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type postgres from "postgres";
import { envelopeOf, jsonOf, keepAliveAgent, outcome, send, type HttpResult } from "./http.js";
import { devQueries } from "./queries.js";
import { Rng } from "./random.js";
import { ADMIN_TOKEN, TIERS, sleep } from "./service.js";

export type Verdict = "committed" | "rejected" | "unknown";

export interface Attempt {
  startedAt: number;
  endedAt: number;
  ms: number;
  status: number | null;
  code?: string;
  error?: string;
  verdict: Verdict;
}

export interface WriteOp {
  key: string;
  kind: "create" | "patch" | "delete";
  worker: number;
  /** create: the exemplar's text (unique, tagged); patch/delete: the target's text. */
  text: string;
  tier?: string;
  /** patch: the new note. */
  note?: string;
  /** patch/delete: target id. create: id once known. */
  id?: number;
  attempts: Attempt[];
  /** Settled verdict: committed, rejected, or still unknown. */
  state: Verdict;
  /** performance.now() when it settled. */
  settledAt?: number;
  /** create: the row status the settling answer gave (`created`; `unchanged` after an unknown attempt means the key was not honoured). */
  rowStatus?: string;
}

/**
 * How an answer settles a write. 2xx: committed. 4xx: rejected (nothing
 * applied). 503 database_unavailable (or not_ready): rejected, unless an
 * earlier attempt of the same key may have reached the database. 503
 * outcome_unknown, any other 5xx, a timeout or a broken connection: unknown.
 */
export function verdictOf(res: HttpResult, earlierUnknown: boolean): Verdict {
  if (res.status === null) return "unknown";
  if (res.status < 300) return "committed";
  if (res.status < 500) return "rejected";
  const code = envelopeOf(res)?.code;
  if (res.status === 503 && (code === "database_unavailable" || code === "not_ready")) return earlierUnknown ? "unknown" : "rejected";
  return "unknown";
}

interface LiveExemplar {
  id: number;
  text: string;
  tier: string;
  note: string | null;
  /** An op on it is unsettled: leave it alone until it settles. */
  busy: boolean;
  deleted: boolean;
}

export class CuratorWriter {
  readonly ops: WriteOp[] = [];
  private readonly exemplars = new Map<string, LiveExemplar>();
  private readonly agent: http.Agent;
  private counter = 0;

  constructor(
    private readonly base: () => string,
    /** Tags every text, so the oracle finds exactly this writer's rows. */
    readonly tag: string,
    private readonly timeoutMs: number,
    private readonly rng = new Rng(7),
  ) {
    this.agent = keepAliveAgent(16);
  }

  /** One write: create (60%), note patch (25%) or delete (15%) of a settled exemplar of this worker. */
  async writeOnce(worker: number): Promise<WriteOp> {
    const mine = [...this.exemplars.values()].filter((e) => !e.busy && !e.deleted && e.text.includes(`-w${worker}-`));
    const r = this.rng.next();
    if (mine.length > 0 && r < 0.25) return await this.patch(worker, this.rng.pick(mine));
    if (mine.length > 0 && r < 0.4) return await this.remove(worker, this.rng.pick(mine));
    return await this.create(worker);
  }

  private async create(worker: number): Promise<WriteOp> {
    const n = ++this.counter;
    // Whitespace collapsed and trimmed, so the service's text normalisation stores it unchanged.
    const text = `${this.tag}-w${worker}-${n} ${this.rng.pick(devQueries()).replace(/\s+/g, " ").slice(0, 200).trim()}`;
    const op: WriteOp = { key: randomUUID(), kind: "create", worker, text, tier: this.rng.pick(TIERS), attempts: [], state: "unknown" };
    this.ops.push(op);
    await this.attempt(op);
    return op;
  }

  private async patch(worker: number, e: LiveExemplar): Promise<WriteOp> {
    const op: WriteOp = { key: randomUUID(), kind: "patch", worker, text: e.text, id: e.id, note: `note ${this.tag} ${++this.counter}`, attempts: [], state: "unknown" };
    this.ops.push(op);
    e.busy = true;
    await this.attempt(op);
    return op;
  }

  private async remove(worker: number, e: LiveExemplar): Promise<WriteOp> {
    const op: WriteOp = { key: randomUUID(), kind: "delete", worker, text: e.text, id: e.id, attempts: [], state: "unknown" };
    this.ops.push(op);
    e.busy = true;
    await this.attempt(op);
    return op;
  }

  /** Sends (or re-sends, with the same Idempotency-Key) one write and settles it if the answer allows. */
  async attempt(op: WriteOp): Promise<Attempt> {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", "idempotency-key": op.key };
    const req =
      op.kind === "create"
        ? { method: "POST", path: "/exemplars?force=true", body: JSON.stringify({ text: op.text, tier: op.tier }) }
        : op.kind === "patch"
          ? { method: "PATCH", path: `/exemplars/${op.id}`, body: JSON.stringify({ note: op.note }) }
          : { method: "DELETE", path: `/exemplars/${op.id}`, body: undefined };
    const res = await send(this.base(), {
      ...req,
      headers: op.kind === "delete" ? { authorization: headers.authorization, "idempotency-key": op.key } : headers,
      timeoutMs: this.timeoutMs,
      agent: this.agent,
    });
    const earlierUnknown = op.attempts.some((a) => a.verdict === "unknown");
    const verdict = verdictOf(res, earlierUnknown);
    const a: Attempt = {
      startedAt: res.startedAt,
      endedAt: res.endedAt,
      ms: res.ms,
      status: res.status,
      code: envelopeOf(res)?.code,
      error: res.status === null ? res.error : undefined,
      verdict,
    };
    op.attempts.push(a);
    if (verdict !== "unknown") this.settle(op, verdict, res);
    return a;
  }

  private settle(op: WriteOp, verdict: Verdict, res: HttpResult): void {
    op.state = verdict;
    op.settledAt = performance.now();
    if (op.kind === "create") {
      if (verdict === "committed") {
        const row = jsonOf<{ exemplars?: Array<{ id: number; text: string; tier: string; note: string | null; status?: string }> }>(res)?.exemplars?.[0];
        op.rowStatus = row?.status;
        if (row) {
          op.id = row.id;
          this.exemplars.set(op.text, { id: row.id, text: op.text, tier: op.tier!, note: null, busy: false, deleted: false });
        }
      }
      return;
    }
    const e = this.exemplars.get(op.text);
    if (!e) return;
    e.busy = false;
    if (verdict !== "committed") return;
    if (op.kind === "patch") e.note = op.note ?? null;
    else e.deleted = true;
  }

  unsettled(): WriteOp[] {
    return this.ops.filter((o) => o.state === "unknown");
  }

  /** Retries every unsettled write with its key until it settles or the deadline passes. */
  async resolveUnknown(deadlineMs: number): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (this.unsettled().length > 0 && performance.now() < deadline) {
      for (const op of this.unsettled()) await this.attempt(op);
      if (this.unsettled().length > 0) await sleep(1000);
    }
  }

  /** The exemplars the client was told exist (text -> tier and note). */
  expected(): Map<string, { id: number; tier: string; note: string | null }> {
    const out = new Map<string, { id: number; tier: string; note: string | null }>();
    for (const e of this.exemplars.values()) if (!e.deleted) out.set(e.text, { id: e.id, tier: e.tier, note: e.note });
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface OracleReport {
  expected: number;
  actual: number;
  /** The client was told it exists (created, not deleted), yet the database does not have it. */
  missing: string[];
  /** In the database, yet the client was never told it was created (or was told it was deleted or failed). */
  appeared: string[];
  /** On both sides, but with another note or tier than the client was last told. */
  changed: string[];
}

/** The unique marker that starts every text this writer creates: `<tag>-w<worker>-<n>`. */
const markerOf = (text: string) => text.split(" ", 1)[0]!;

/** Compares the database (the truth) with what the client was told; each discrepancy lists the writes on that exemplar. */
export async function compareWithDatabase(sql: postgres.Sql, writer: CuratorWriter): Promise<OracleReport> {
  const rows = await sql<Array<{ id: number; text: string; tier: string; note: string | null }>>`select id, text, tier, note from exemplars where text like ${`${writer.tag}-%`}`;
  const expected = new Map([...writer.expected().entries()].map(([text, e]) => [markerOf(text), { ...e, text }]));
  const actual = new Map(rows.map((r) => [markerOf(r.text), r]));
  const history = (marker: string) =>
    writer.ops
      .filter((o) => markerOf(o.text) === marker)
      .map(
        (o) => `${o.kind}${o.note ? ` note=${JSON.stringify(o.note)}` : ""} [${o.attempts.map(describeAttempt).join(" → ")}] ⇒ ${o.state}${o.rowStatus ? ` (${o.rowStatus})` : ""}`,
      )
      .join("; ");
  const missing = [...expected.keys()].filter((m) => !actual.has(m));
  const appeared = [...actual.keys()].filter((m) => !expected.has(m));
  const changed = [...expected.entries()].filter(([m, e]) => actual.has(m) && (actual.get(m)!.note !== e.note || actual.get(m)!.tier !== e.tier));
  return {
    expected: expected.size,
    actual: actual.size,
    missing: missing.map((m) => `${m}: ${history(m)}`),
    appeared: appeared.map((m) => `${m}: ${history(m) || "never written by this client"}`),
    changed: changed.map(
      ([m, e]) => `${m}: told note=${JSON.stringify(e.note)} tier=${e.tier}, database note=${JSON.stringify(actual.get(m)!.note)} tier=${actual.get(m)!.tier}; ${history(m)}`,
    ),
  };
}

export const describeAttempt = (a: Attempt) => `${a.status ?? a.error}${a.code ? ` ${a.code}` : ""} in ${Math.round(a.ms)} ms`;
export { outcome };
