import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { DatabaseHandle } from "../adapters/db/client.js";
import type { DatabaseGuard, Deadline } from "../adapters/db/database-guard.js";
import { routingRules, routingRulesAudit } from "../adapters/db/schema.js";
import { compileRules, rulesSchema, type CompiledRule, type Rule } from "../base/policy/rule-set.js";

export const RULES_CHANNEL = "tierline_rules";

export interface RulesStoreDeps {
  database: DatabaseHandle;
  guard: DatabaseGuard;
  tiers: readonly string[];
  /** The config file's rules: in force until the API replaces them. */
  initial: readonly Rule[];
  pollIntervalMs: number;
  logger?: Pick<Logger, "info" | "warn">;
}

/**
 * The service-wide rules in force. The config file's rules apply until a
 * curator replaces them through the API; from then on the database holds
 * them (and survives restarts), and every replica reloads on the change
 * notification, on reconnect, and on a poll, as exemplars do.
 */
export class RulesStore {
  private compiled: readonly CompiledRule[];
  private rules: readonly Rule[];
  revision = 0;
  source: "config" | "database" = "config";
  private unlisten: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RulesStoreDeps) {
    this.rules = deps.initial;
    this.compiled = compileRules(deps.initial, deps.tiers);
  }

  current(): readonly CompiledRule[] {
    return this.compiled;
  }

  list(): { rules: readonly Rule[]; revision: number; source: "config" | "database" } {
    return { rules: this.rules, revision: this.revision, source: this.source };
  }

  /** Loads the stored rules, if any, and starts listening for changes. */
  async start(): Promise<void> {
    await this.reload();
    this.unlisten = await this.deps.database.listen(
      RULES_CHANNEL,
      () => void this.reload().catch(() => {}),
      () => void this.reload().catch(() => {}),
    );
    this.timer = setInterval(() => void this.reload().catch(() => {}), this.deps.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    this.unlisten = undefined;
  }

  /**
   * Validates and stores a new rule set (audited, bounded like every write),
   * then applies it here; other replicas follow on the notification.
   * Throws InvalidRuleError (nothing stored) for a bad set.
   */
  async replace(input: unknown, actor: string, budget?: Deadline): Promise<{ revision: number; rules: readonly Rule[] }> {
    const rules = rulesSchema.parse(input);
    const compiled = compileRules(rules, this.deps.tiers);
    const revision = await this.deps.guard.run(
      "unknown",
      (deadline) =>
        this.deps.database.db.transaction(async (tx) => {
          deadline.check();
          const [before] = await tx.select({ rules: routingRules.rules, revision: routingRules.revision }).from(routingRules).for("update");
          // The row lock (or the insert's conflict) serialises replicas replacing the rules at once.
          const [{ next }] = (await tx
            .insert(routingRules)
            .values({ id: 1, revision: 1, rules, updatedBy: actor })
            .onConflictDoUpdate({ target: routingRules.id, set: { revision: sql`${routingRules.revision} + 1`, rules, updatedBy: actor, updatedAt: sql`now()` } })
            .returning({ next: routingRules.revision })) as [{ next: number }];
          await tx.insert(routingRulesAudit).values({ revision: next, before: before?.rules ?? this.deps.initial, after: rules, actor });
          await tx.execute(sql`select pg_notify(${RULES_CHANNEL}, ${String(next)})`);
          deadline.check();
          return next;
        }),
      budget,
    );
    this.adopt(rules, compiled, revision);
    this.deps.logger?.info({ revision, rules: rules.length, actor }, "routing rules replaced");
    return { revision, rules };
  }

  private async reload(): Promise<void> {
    const [row] = await this.deps.database.db.select({ rules: routingRules.rules, revision: routingRules.revision }).from(routingRules);
    if (row === undefined || row.revision <= this.revision) return;
    try {
      const rules = rulesSchema.parse(row.rules);
      this.adopt(rules, compileRules(rules, this.deps.tiers), row.revision);
      this.deps.logger?.info({ revision: row.revision, rules: rules.length }, "routing rules loaded");
    } catch (err) {
      // Stored by a replica with other tiers configured: keep what is in force, say so.
      this.deps.logger?.warn({ err, revision: row.revision }, "stored routing rules do not fit this replica's tiers; keeping the current ones");
      this.revision = row.revision;
    }
  }

  private adopt(rules: readonly Rule[], compiled: readonly CompiledRule[], revision: number): void {
    this.rules = rules;
    this.compiled = compiled;
    this.revision = revision;
    this.source = "database";
  }
}
