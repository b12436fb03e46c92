import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/adapters/db/client.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";
import { sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

/**
 * A client that writes a body slowly, as a large upload over a real network
 * does: the head and a first slice, a pause in which the server has decided,
 * then the rest. A server that answers early and closes with the body still
 * arriving resets the connection (the client sees EPIPE or ECONNRESET, often
 * before it reads the answer); one that reads and discards the rest first
 * answers it, and keeps the connection.
 */
function slowUpload(port: number, head: string, body: Buffer, then?: string): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on("data", (d) => received.push(d));
    socket.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on("close", () => resolve({ text: Buffer.concat(received).toString("latin1"), error }));
    socket.on("connect", async () => {
      socket.write(head);
      socket.write(body.subarray(0, 64 * 1024));
      await new Promise((r) => setTimeout(r, 300));
      for (let at = 64 * 1024; at < body.length && !socket.destroyed; at += 256 * 1024) {
        socket.write(body.subarray(at, at + 256 * 1024));
        await new Promise((r) => setTimeout(r, 5));
      }
      if (then && !socket.destroyed) {
        await new Promise((r) => setTimeout(r, 200));
        socket.write(then);
      }
      setTimeout(() => socket.end(), 1500);
    });
  });
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe("answers given before the body is read (413, 401, 415)", () => {
  let service: TestService;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const database = await openDatabase({ dataDir: "memory" });
    service = await startTestService({ database, encoder: createFakeEncoder(), exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: "admin-token-0123456789" } });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    await new Promise((r) => server.once("listening", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await service.deps.lifecycle.stop();
    await service.deps.database.close();
  });

  const next = "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n";

  it("a 3 MB body over the limit, sent with Content-Length, gets its 413 and the connection serves the next request", async () => {
    const body = Buffer.alloc(3_000_000, "a");
    const head = `POST /route/batch HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const res = await slowUpload(port, head, body, next);
    expect(res.error).toBeUndefined();
    expect(statuses(res.text)).toEqual([413, 200]);
    expect(res.text).toMatch(/"code":"payload_too_large"/);
  });

  it("a chunked body that grows past the limit gets its 413 without a reset", async () => {
    const chunk = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);
    const parts = Array.from({ length: 12 }, () => chunk(Buffer.alloc(256 * 1024, "b")));
    const body = Buffer.concat([...parts, Buffer.from("0\r\n\r\n")]);
    const head = "POST /route HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    const res = await slowUpload(port, head, body, next);
    expect(res.error).toBeUndefined();
    expect(statuses(res.text)).toEqual([413, 200]);
  });

  it("a 401 and a 415 on a body the handler never read keep the connection for the next request", async () => {
    const body = Buffer.from(JSON.stringify({ text: "x".repeat(200_000), tier: "fast" }));
    const unauthorised = await slowUpload(port, `POST /exemplars HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`, body, next);
    expect(unauthorised.error).toBeUndefined();
    expect(statuses(unauthorised.text)).toEqual([401, 200]);
    const wrongType = await slowUpload(port, `POST /route HTTP/1.1\r\nhost: x\r\ncontent-type: text/csv\r\ncontent-length: ${body.length}\r\n\r\n`, body, next);
    expect(wrongType.error).toBeUndefined();
    expect(statuses(wrongType.text)).toEqual([415, 200]);
  });

  it("a body past the discard bound is answered and the connection closed, not read forever", async () => {
    const body = Buffer.alloc(20 * 1024 * 1024, "c");
    const head = `POST /route HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const res = await slowUpload(port, head, body, next);
    expect(statuses(res.text)).toEqual([413]);
    expect(res.text).toMatch(/connection: close/i);
  });
});
