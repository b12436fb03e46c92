import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Hono, type Context } from "hono";

/**
 * The curator/analyst console (`/console`) and the API docs page (`/docs`):
 * static HTML, ES modules and CSS read once at start-up and served from memory.
 * Only the files found at start-up get a route, so there is no path to traverse:
 * anything else falls through to the app's 404 envelope.
 */

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * The pages fetch only from this origin and run only their own files: no
 * inline script or style, no frames, no plugins.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

export interface ConsoleRoutesOptions {
  /** Directory holding index.html, docs.html and their scripts and styles; found next to this file by default. */
  assetsDir?: string;
}

/**
 * Where the assets are: beside this module when it runs from src/ (tsx) or
 * when a build copied them next to the compiled file; otherwise, for a
 * compiled dist/http/console/ (or dist/src/http/console/) without a copy, the source
 * tree's src/http/console/assets found by walking up.
 */
export function resolveConsoleAssetsDir(moduleUrl: string = import.meta.url): string {
  const candidates = [new URL("./assets/", moduleUrl)];
  for (let up = "../"; up.length <= 5 * 3; up += "../") candidates.push(new URL(`${up}src/http/console/assets/`, moduleUrl));
  const dirs = candidates.map((u) => fileURLToPath(u));
  const found = dirs.find((dir) => existsSync(path.join(dir, "index.html")));
  if (!found) throw new Error(`console assets not found (looked in ${dirs.join(", ")})`);
  return found;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = contentTypes[path.extname(name)];
    if (!type || !/^[a-z0-9][a-z0-9.-]*$/.test(name)) continue;
    const body = new Uint8Array(readFileSync(path.join(dir, name)));
    assets.set(name, { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` });
  }
  return assets;
}

const frontDoor = {
  service: "tierline",
  console: "/console",
  docs: "/docs",
  openapi: "/openapi.json",
  route: "POST /route",
  health: "/healthz",
  ready: "/readyz",
};

const frontDoorPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tierline</title></head>
<body><h1>tierline</h1><p>A model router: <code>POST /route</code> answers which model tier should answer a query.</p>
<ul><li><a href="/console">/console</a>: the operator console (traffic, exemplars, review, gateway)</li>
<li><a href="/docs">/docs</a>: the API documentation (<a href="/openapi.json">/openapi.json</a>)</li>
<li><a href="/readyz">/readyz</a>: readiness; <a href="/healthz">/healthz</a>: liveness</li></ul></body></html>
`;

/**
 * GET / names the console and the docs (a page for a browser, JSON for a
 * program); GET /console (and /console/) serves the console app, /docs the API docs
 * page, /console/assets/<file> their scripts and styles.
 *
 * @example
 * app.route("/", createConsoleRoutes());
 */
export function createConsoleRoutes(options: ConsoleRoutesOptions = {}): Hono {
  const assets = loadAssets(options.assetsDir ?? resolveConsoleAssetsDir());
  const app = new Hono();

  const serve = (asset: Asset) => (c: Context) => {
    const headers: Record<string, string> = {
      "content-type": asset.type,
      // Unhashed file names: revalidate every time (cheap, thanks to the ETag).
      "cache-control": "no-cache",
      etag: asset.etag,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (asset.type.startsWith("text/html")) {
      headers["content-security-policy"] = contentSecurityPolicy;
      headers["x-frame-options"] = "DENY";
    }
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, headers);
  };

  const page = (name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new Error(`console assets: ${name} is missing`);
    return serve(asset);
  };
  app.get("/", (c) => {
    // The front door: a browser gets a page naming the console and the docs, a program the same as JSON.
    if (!(c.req.header("accept") ?? "").includes("text/html")) return c.json(frontDoor);
    c.header("content-security-policy", contentSecurityPolicy);
    c.header("x-content-type-options", "nosniff");
    return c.html(frontDoorPage);
  });
  for (const route of ["/console", "/console/"]) app.get(route, page("index.html"));
  for (const route of ["/docs", "/docs/"]) app.get(route, page("docs.html"));
  for (const [name, asset] of assets) {
    if (name.endsWith(".html")) continue;
    app.get(`/console/assets/${name}`, serve(asset));
  }
  return app;
}
