import type { SessionRow } from "./session-repository.js";

type Stored = Pick<SessionRow, "tier" | "expiresAt">;
/** The stored floor, null when there is none, undefined when it could not be known (failed read, queue full). */
type Answer = Stored | null | undefined;

/**
 * Reads of sessions this replica does not hold, batched: the first read waits
 * for the end of the event-loop turn, so the keys asked for in one turn go
 * together, and keys asked for while a read is out wait for the next one, so
 * a flood of new sessions costs one statement at a time, not one per request. At most maxPending keys wait;
 * beyond that a new session is not looked up at all (`skipped`). A waiter
 * gives up after its own timeout; the read still completes for the others.
 */
export class SessionReader {
  private waiting = new Map<string, Array<(answer: Answer) => void>>();
  private reading = false;
  private scheduled = false;
  /** Keys not looked up because maxPending were already waiting. */
  skipped = 0;

  constructor(
    private readonly read: (keys: string[]) => Promise<Array<Pick<SessionRow, "key" | "tier" | "expiresAt">>>,
    private readonly maxPending: number,
  ) {}

  get pending(): number {
    return this.waiting.size;
  }

  get(key: string): Promise<Answer> {
    if (!this.waiting.has(key) && this.waiting.size >= this.maxPending) {
      this.skipped++;
      return Promise.resolve(undefined);
    }
    const answer = new Promise<Answer>((resolve) => {
      const list = this.waiting.get(key) ?? [];
      list.push(resolve);
      this.waiting.set(key, list);
    });
    // Not at once: requests decided in this turn (a burst of new sessions) would each start a read of one key.
    if (!this.reading && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.pump();
      });
    }
    return answer;
  }

  private async pump(): Promise<void> {
    if (this.reading || this.waiting.size === 0) return;
    this.reading = true;
    const batch = this.waiting;
    this.waiting = new Map();
    let found: Map<string, Stored> | undefined;
    try {
      found = new Map((await this.read([...batch.keys()])).map((r) => [r.key, { tier: r.tier, expiresAt: r.expiresAt }]));
    } catch {
      // The database did not answer: every waiter of this batch misses (counted by the store).
    }
    for (const [key, resolvers] of batch) for (const resolve of resolvers) resolve(found === undefined ? undefined : (found.get(key) ?? null));
    this.reading = false;
    void this.pump();
  }
}
