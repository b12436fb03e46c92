/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { exemplarRevision, exemplars } from "../../src/adapters/db/schema.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, startTestService, defaultTestEncoder } from "../helpers/runtime.js";

describe.each(databaseTargets())("index snapshot on $name", (target) => {
  const encoder = defaultTestEncoder();
  const query = { query: "What is the capital city of Peru?", explain: true };

  it("a warm start loads the snapshot and routes exactly as the built index did", async () => {
    const database = await target.open();
    const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-snap-"));
    const a = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { dataDir } });
    expect(a.deps.indexLoader.source).toBe("database");
    const before: any = await (await a.route(query)).json();
    await a.deps.lifecycle.stop();
    expect(readdirSync(path.join(dataDir, "index")).some((f) => f.endsWith(".meta.json"))).toBe(true);

    const b = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { dataDir } });
    expect(b.deps.indexLoader.source).toBe("snapshot");
    const after: any = await (await b.route(query)).json();
    expect(after.neighbors).toEqual(before.neighbors);
    expect(after.tier).toBe(before.tier);
    await b.deps.lifecycle.stop();
    await database.close();
  });

  it("rebuilds from the database when the revision or the texts differ", async () => {
    const database = await target.open();
    const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-snap-"));
    const a = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { dataDir } });
    await a.deps.lifecycle.stop();

    // Changed behind the service's back: a new revision.
    await database.db.delete(exemplars).where(eq(exemplars.id, 1));
    await database.db.update(exemplarRevision).set({ revision: sql`${exemplarRevision.revision} + 1` });
    const b = await startTestService({ database, encoder, exemplars: sampleExemplars, config: { dataDir } });
    expect(b.deps.indexLoader.source).toBe("database");
    expect(b.deps.index.get()!.size).toBe(sampleExemplars.length - 1);
    await b.deps.lifecycle.stop();

    await database.close();

    // Another database at the same revision (1) with the same ids and count, but a different
    // text under id 1: only the fingerprint tells the snapshot does not belong to it.
    const other = await target.open();
    const c = await startTestService({
      database: other,
      encoder,
      exemplars: sampleExemplars.map((e, i) => (i === 0 ? { ...e, text: "A different first text" } : e)),
      config: { dataDir },
    });
    await c.deps.lifecycle.stop();
    const fresh = await target.open();
    const d = await startTestService({ database: fresh, encoder, exemplars: sampleExemplars, config: { dataDir } });
    expect(d.deps.indexLoader.source).toBe("database");
    expect(((await (await d.route(query)).json()) as any).neighbors.map((n: any) => n.text)).not.toContain("A different first text");
    await d.deps.lifecycle.stop();
    await other.close();
    await fresh.close();
    expect(existsSync(dataDir)).toBe(true);
  });
});
