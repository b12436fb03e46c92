import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Results } from "@electric-sql/pglite";
import { collectGarbage } from "../../base/util/collect-garbage.js";
import type { HostInit, HostReply, HostRequest, SerializedError } from "./pglite-link.js";

/**
 * The worker thread's side of PgliteThread: the embedded PostgreSQL, opened
 * here and answering requests strictly in the order they arrive (PGlite is
 * one session; the main thread keeps other work out of a transaction).
 */
const init = workerData as HostInit;
const port = parentPort!;
const opening: Promise<PGlite> = PGlite.create({ ...(init.dataDir === "memory" ? {} : { dataDir: init.dataDir }), postgresqlconf: init.postgresqlconf });
// Keep an open failure from being an unhandled rejection before the first request looks at it.
opening.catch(() => {});
const unsubscribes = new Map<number, () => Promise<void>>();
let chain = Promise.resolve();

port.on("message", (request: HostRequest) => {
  chain = chain.then(() => answer(request));
});

/** Parsers that keep a column's text as sent; the main thread applies the caller's own parser to it. */
const keepText = (typeIds: readonly number[]) => Object.fromEntries(typeIds.map((t) => [t, (text: string) => text]));

async function answer(request: HostRequest): Promise<void> {
  try {
    const db = await opening;
    switch (request.op) {
      case "open":
        return reply({ id: request.id, ok: true });
      case "query": {
        const blob = request.blobText === undefined ? undefined : new Blob([request.blobText]);
        const result = await db.query(request.sql, request.params, { rowMode: request.rowMode, parsers: keepText(request.textTypes), blob });
        return reply({ id: request.id, ok: true, result: plain(result as Results) });
      }
      case "exec": {
        const results = await db.exec(request.sql);
        return reply({ id: request.id, ok: true, results: results.map(plain) });
      }
      case "listen": {
        const unsubscribe = await db.listen(request.channel, (payload) => port.postMessage({ notify: request.subscription, payload } satisfies HostReply));
        unsubscribes.set(request.subscription, unsubscribe);
        return reply({ id: request.id, ok: true });
      }
      case "unlisten": {
        await unsubscribes.get(request.subscription)?.();
        unsubscribes.delete(request.subscription);
        return reply({ id: request.id, ok: true });
      }
      case "collect-garbage":
        collectGarbage();
        return reply({ id: request.id, ok: true });
      case "close":
        await db.close();
        return reply({ id: request.id, ok: true });
    }
  } catch (err) {
    reply({ id: request.id, ok: false, error: serialize(err) });
  }
}

/** What crosses the thread boundary: rows, fields, counts (not a COPY TO's blob, which nothing here uses). */
function plain(result: Results): Results {
  return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
}

/** An error's name, message and the scalar fields PostgreSQL errors carry (code, detail, constraint, ...). */
function serialize(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(e)) if (typeof value === "string" || typeof value === "number") fields[key] = value;
  return { name: e.name, message: e.message, fields };
}

function reply(message: HostReply): void {
  port.postMessage(message);
}
