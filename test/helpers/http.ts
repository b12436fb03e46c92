/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import type { createApp } from "../../src/app/app.js";

type App = ReturnType<typeof createApp>;

/** One request through app.request(): JSON in (or a raw body with its type), status and parsed JSON out. */
export async function call(
  app: App,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.contentType) headers["content-type"] = options.contentType;
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Prometheus text, JSONL
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Parses one sample value out of the Prometheus text format (summed over matching label sets). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .filter((line) => line.slice(name.length).startsWith("{") || line.slice(name.length).startsWith(" "))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}
