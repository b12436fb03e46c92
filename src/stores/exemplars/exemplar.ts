import { DomainError } from "../../base/errors.js";
/** Longest exemplar text, characters: the same cap on every write path (API, import, seed files). */
export const MAX_EXEMPLAR_TEXT = 20_000;
export const MAX_EXEMPLAR_NOTE = 1000;

/** An exemplar as the API shows it. */
export interface Exemplar {
  id: number;
  text: string;
  tier: string;
  note: string | null;
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

export class ExemplarNotFoundError extends DomainError {
  override name = "ExemplarNotFoundError";
  readonly code = "exemplar_not_found" as const;
  constructor(readonly id: number) {
    super(`exemplar ${id} does not exist`);
  }
}

export class UnknownTierError extends DomainError {
  override name = "UnknownTierError";
  readonly code = "unknown_tier" as const;
}

export interface ConflictDetail {
  /** The text being added or moved. */
  text: string;
  tier: string;
  /** The existing (or same-batch) exemplar it collides with. */
  conflictsWith: { id: number | null; text: string; tier: string; similarity: number };
}

/** Two writers (replicas) inserted the same exemplar at once; the loser's retry is a no-op. */
export class ConcurrentExemplarWriteError extends DomainError {
  override name = "ConcurrentExemplarWriteError";
  readonly code = "concurrent_write" as const;
  constructor(options?: ErrorOptions) {
    super("a concurrent write changed the same exemplar; retry the request", options);
  }
}

/** An add or move would put near-identical texts in different tiers. */
export class ExemplarConflictError extends DomainError {
  override name = "ExemplarConflictError";
  readonly code = "exemplar_conflict" as const;
  override readonly details: { conflicts: ConflictDetail[] };
  constructor(readonly conflicts: ConflictDetail[]) {
    const first = conflicts[0]!;
    super(
      `"${truncate(first.text)}" (${first.tier}) is ${first.conflictsWith.similarity.toFixed(3)} similar to ` +
        `${first.conflictsWith.id === null ? "another item in this batch" : `exemplar ${first.conflictsWith.id}`} ` +
        `"${truncate(first.conflictsWith.text)}" (${first.conflictsWith.tier})` +
        (conflicts.length > 1 ? ` and ${conflicts.length - 1} more conflicts` : "") +
        "; pass force=true to keep both",
    );
    this.details = { conflicts };
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
