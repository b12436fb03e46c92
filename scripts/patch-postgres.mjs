#!/usr/bin/env node
/**
 * Patches postgres.js 3.4.x (run by npm's postinstall): a small write is
 * flushed from a setImmediate, and if the connection closed in between
 * (the database stopped or restarted), `socket.write` runs on null and the
 * TypeError, thrown from a timer, kills the process; the teardown also
 * leaves the timer handle and the buffered bytes behind, so a reconnected
 * connection would send stale bytes. Upstream: porsager/postgres#1208,
 * #1154, unmerged fixes #1209 and #1168. The patch makes a write on a
 * closed connection reject its queries with CONNECTION_CLOSED (which the
 * service handles as "database unavailable"), and clears both on teardown.
 * Idempotent; fails loudly if the driver's code is not what it expects.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MARK = "tierline patch: porsager/postgres#1208";
const root = fileURLToPath(new URL("../node_modules/postgres/", import.meta.url));
const files = ["src/connection.js", "cjs/src/connection.js"].map((f) => root + f).filter((f) => existsSync(f));

const edits = [
  [
    "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)",
    `  function nextWrite(fn) {\n    if (socket === null) { // ${MARK}\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  ["    clearImmediate(nextWriteTimer)\n    if (socket) {", `    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null // ${MARK}\n    if (socket) {`],
  [
    "    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)",
    `    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null // ${MARK}\n    socket.removeListener('data', data)`,
  ],
];

if (files.length === 0) {
  console.error("patch-postgres: node_modules/postgres not found; run npm install first");
  process.exit(1);
}
for (const file of files) {
  let text = readFileSync(file, "utf8");
  if (text.includes(MARK)) continue;
  for (const [from, to] of edits) {
    if (!text.includes(from)) {
      console.error(`patch-postgres: ${file} does not contain the expected code; check the postgres.js version (the fix may have landed upstream)`);
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
  console.log(`patch-postgres: patched ${file.replace(root, "postgres/")}`);
}
