import { WriteBehind } from "../../base/util/write-behind.js";
import type { CacheRowUpdate } from "./cache-repository.js";

/**
 * Write-behind for the decision cache. Updates of one key merge: hits add
 * up, the newest decision wins, first/last seen span both; so a hot query
 * costs one row per flush however often it repeats. `dropped` counts keys.
 */
export class CacheWriter extends WriteBehind<CacheRowUpdate> {
  record(update: CacheRowUpdate): void {
    this.add(update);
  }

  protected keyOf(row: CacheRowUpdate): string {
    return row.key;
  }

  protected combine(earlier: CacheRowUpdate, later: CacheRowUpdate): CacheRowUpdate {
    const newer = later.lastSeen >= earlier.lastSeen ? later : earlier;
    return {
      ...newer,
      hits: earlier.hits + later.hits,
      firstSeen: earlier.firstSeen < later.firstSeen ? earlier.firstSeen : later.firstSeen,
      queryText: newer.queryText ?? earlier.queryText ?? later.queryText,
    };
  }
}
