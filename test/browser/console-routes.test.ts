import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createConsoleRoutes, resolveConsoleAssetsDir } from "../../src/http/console/console-routes.js";

// The static routes, without a browser: content types, caching, CSP, and nothing served beyond the asset files.
describe("console routes", () => {
  const app = new Hono();
  app.route("/", createConsoleRoutes());
  app.notFound((c) => c.json({ error: { code: "not_found" } }, 404));

  it("serves the console and the docs page as HTML with a strict CSP", async () => {
    for (const url of ["/console", "/console/", "/docs", "/docs/"]) {
      const res = await app.request(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'.*script-src 'self'.*style-src 'self'/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const html = await res.text();
      // Under that CSP nothing inline would run: every script and style is a file.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=|<style/);
      expect(html).not.toMatch(/https?:\/\//);
    }
  });

  it("answers / with the way in: a page linking the console and the docs for a browser, the same as JSON otherwise", async () => {
    const page = await app.request("/", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('href="/console"');
    expect(html).toContain('href="/docs"');
    const json = await app.request("/", { headers: { accept: "*/*" } });
    expect(await json.json()).toMatchObject({ console: "/console", docs: "/docs", openapi: "/openapi.json" });
  });

  it("serves scripts and styles with their content types and revalidates by ETag", async () => {
    const js = await app.request("/console/assets/console.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const css = await app.request("/console/assets/styles.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const etag = js.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.request("/console/assets/console.js", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("answers 404 for anything that is not an asset file, traversal attempts included", async () => {
    for (const url of [
      "/console/assets/console-routes.ts",
      "/console/assets/../console-routes.ts",
      "/console/assets/..%2Fconsole-routes.ts",
      "/console/assets/%2e%2e/%2e%2e/package.json",
      "/console/assets/",
      "/console/assets/index.html",
      "/console/index.html",
      "/console/../package.json",
      "/docs/docs.js",
    ]) {
      const res = await app.request(url);
      expect(res.status, url).toBe(404);
    }
  });

  it("finds the assets beside the module, or in src/ when running compiled from dist/", () => {
    const root = mkdtempSync(path.join(tmpdir(), "tierline-console-"));
    const src = path.join(root, "src/http/console/assets");
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, "index.html"), "<!doctype html>");
    mkdirSync(path.join(root, "dist/console"), { recursive: true });
    expect(resolveConsoleAssetsDir(pathToFileURL(path.join(root, "src/http/console/console-routes.ts")).href)).toBe(src + path.sep);
    expect(resolveConsoleAssetsDir(pathToFileURL(path.join(root, "dist/http/console/console-routes.js")).href)).toBe(src + path.sep);
    expect(resolveConsoleAssetsDir(pathToFileURL(path.join(root, "dist/src/http/console/console-routes.js")).href)).toBe(src + path.sep);
    // A build that copies the assets beside the compiled module is preferred.
    const copied = path.join(root, "dist/http/console/assets");
    mkdirSync(copied, { recursive: true });
    writeFileSync(path.join(copied, "index.html"), "<!doctype html>");
    expect(resolveConsoleAssetsDir(pathToFileURL(path.join(root, "dist/http/console/console-routes.js")).href)).toBe(copied + path.sep);
    const empty = mkdtempSync(path.join(tmpdir(), "tierline-console-"));
    expect(() => resolveConsoleAssetsDir(pathToFileURL(path.join(empty, "dist/http/console/console-routes.js")).href)).toThrow(/console assets not found/);
    for (const dir of [root, empty]) rmSync(dir, { recursive: true, force: true });
  });
});
