import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportExemplars, importExemplars } from "../../src/http/cli/exemplars-client.js";
import { renderProgress } from "../../src/http/cli/progress.js";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { sampleExemplars, startTestService, type TestService, defaultTestEncoder } from "../helpers/runtime.js";

const TOKEN = "cli-token-0123456789abcdef";

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  w.text = "";
  return w;
}

// The CLI's client functions against the service listening on a real port.
describe("tierline exemplars export/import", () => {
  let database: DatabaseHandle;
  let service: TestService;
  let server: ServerType;
  let baseUrl: string;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: TOKEN } });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("imports in chunks with a progress bar, then exports everything back", async () => {
    const lines = Array.from({ length: 320 }, (_, i) => JSON.stringify({ text: `Inventory code ${i * 7919} for warehouse shelf ${i}: what aisle is it in?`, tier: "fast" }));
    const progress = sink();
    const summary = await importExemplars({ baseUrl, token: TOKEN, content: lines.join("\n"), force: false, chunkSize: 100, progress });
    expect(summary).toMatchObject({ lines: 320, created: 320, unchanged: 0 });
    expect(progress.text).toContain("100% 320/320");
    expect(progress.text.split("\r").length).toBe(5); // one update per chunk

    const again = await importExemplars({ baseUrl, token: TOKEN, content: lines.join("\n"), force: false, chunkSize: 100 });
    expect(again).toMatchObject({ created: 0, unchanged: 320, revision: summary.revision });

    const out = sink();
    await exportExemplars({ baseUrl, token: TOKEN, out });
    const exported = out.text.trim().split("\n");
    expect(exported).toHaveLength(sampleExemplars.length + 320);
    expect(exported).toEqual(expect.arrayContaining(lines));
  });

  it("reports the failing chunk and what was imported before it", async () => {
    const content = ['{"text":"Chunk one line about ferries","tier":"fast"}', '{"text":"bad tier line","tier":"gold"}'].join("\n");
    await expect(importExemplars({ baseUrl, token: TOKEN, content, force: false, chunkSize: 1 })).rejects.toThrow(
      /lines 2-2 failed \(1 lines before them were imported\): http:\/\/127\.0\.0\.1:\d+\/exemplars\/import answered 400 invalid_jsonl: /,
    );
    await expect(exportExemplars({ baseUrl, token: "wrong-token-wrong-token", out: sink() })).rejects.toMatchObject({
      status: 401,
      code: "unauthorized",
      url: `${baseUrl}/exemplars/export`,
    });
  });

  it("fails an export whose stream ends before the announced number of lines", async () => {
    const fake = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-exemplar-count": "5" });
      res.end('{"text":"a","tier":"fast"}\n{"text":"b","tier":"fast"}\n');
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    await expect(exportExemplars({ baseUrl: url, token: TOKEN, out: sink() })).rejects.toThrow(/export incomplete: expected 5 lines, received 2/);
    fake.close();
  });

  it("renders a bounded progress bar", () => {
    expect(renderProgress(50, 200, 1500, 10)).toBe("\r[###-------]  25% 50/200 1.5 s");
    expect(renderProgress(300, 200, 0, 4)).toBe("\r[####] 100% 300/200 0.0 s");
  });
});
