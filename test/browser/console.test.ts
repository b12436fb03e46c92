import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  adminToken,
  analystToken,
  aSeedExemplar,
  chromiumPath,
  hasChromium,
  launchBrowser,
  screenshot,
  seedExemplarCount,
  serviceCommand,
  startService,
  type RunningService,
  type TestBrowser,
} from "./harness.js";
import { isFallback } from "../../src/routing/decision.js";

// Browser globals used inside page.evaluate() (the project compiles without the DOM lib).
declare const sessionStorage: { getItem(key: string): string | null };
declare const document: { getElementById(id: string): ProgressBar | null };
declare const window: { progressSeen?: number[] };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: { subtree: boolean; childList: boolean; characterData: boolean; attributes: boolean }): void;
}
interface ProgressBar {
  value: number;
  max: number;
  parentElement: unknown;
}

/** expect.poll with room for a loaded two-core machine (the default gives up after 1 s). */
const eventually = <T>(fn: () => Promise<T> | T, options: { message?: string } = {}) => expect.poll(fn, { timeout: 15_000, interval: 100, ...options });

if (!hasChromium) {
  console.warn(`browser tests skipped: ${chromiumPath} is absent (apt-get install -y chromium)`);
}

describe.skipIf(!hasChromium)(`console and API docs in Chromium (service: ${serviceCommand})`, () => {
  let service: RunningService;
  let browser: TestBrowser;
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${service.url}${path}`, {
      ...init,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
    });

  let unmounted: string | null = null;

  beforeAll(async () => {
    // Both at once, and both kept even if the other fails, so afterAll can clean up either.
    const started = await Promise.allSettled([startService().then((s) => (service = s)), launchBrowser().then((b) => (browser = b))]);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    browser.context.setDefaultTimeout(15_000);
    // Fail each test at once, with the reason, rather than after a selector timeout.
    const missing = [];
    for (const path of ["/console", "/docs"]) if ((await api(path)).status !== 200) missing.push(path);
    if (missing.length > 0)
      unmounted = `the service does not serve ${missing.join(" and ")}: mount createConsoleRoutes() from src/http/console/console-routes.ts in src/app/app.ts`;
  });

  beforeEach(() => {
    if (unmounted) throw new Error(unmounted);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  /** Opens the console in a new tab and signs in (each tab has its own session storage). */
  async function signIn(token: string, hash = "#/try"): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${service.url}/console${hash}`);
    await page.getByLabel("Bearer token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    return page;
  }

  it("serves /docs from the service alone and renders every operation of /openapi.json", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, { summary?: string; tags?: string[] }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "put", "post", "patch", "delete", "head", "options", "trace"].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path, summary: item[m]!.summary, tag: item[m]!.tags?.[0] ?? "Other" })),
    );
    expect(operations.length).toBeGreaterThan(5);

    const page = await browser.newPage();
    const res = await page.goto(`${service.url}/docs`);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.locator("article.op[data-method]").first().waitFor();
    for (const op of operations) {
      // Grouped under its (first) tag's section.
      const section = `section#tag-${op.tag
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "")}`;
      const article = page.locator(`${section} article.op[data-method="${op.method}"][data-path="${op.path}"]`).first();
      await eventually(() => article.count(), { message: `${op.method} ${op.path}` }).toBeGreaterThan(0);
      if (op.summary) expect(await article.textContent()).toContain(op.summary);
    }
    // $ref'd components are resolved: /route's response shows RouteDecision's fields, neighbors included.
    const route = page.locator('article.op[data-method="POST"][data-path="/route"]').first();
    expect(await route.locator("a.ref", { hasText: "RouteDecision" }).count()).toBeGreaterThan(0);
    expect(await route.locator("code.prop", { hasText: /^neighbors$/ }).count()).toBeGreaterThan(0);
    expect(await route.locator(".response[data-status='200']").count()).toBe(1);
    // Security: curator endpoints say bearer, /route says public.
    expect(await page.locator('article.op[data-method="POST"][data-path="/exemplars"] .security').textContent()).toMatch(/bearer/i);
    expect(await route.locator(".security").textContent()).toMatch(/none \(public\)/);
    expect(await page.getByRole("navigation", { name: "Operations" }).getByRole("link").count()).toBeGreaterThan(operations.length);
    await screenshot(page, "docs", { fullPage: false });
    await screenshot(page, "docs-full");
    await route.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await screenshot(page, "docs-route", { fullPage: false });
    expect(browser.offsite).toEqual([]);
    await page.close();
  });

  it("shows each operation's id, the tags' descriptions, the servers, /metrics as text/plain and every error code", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      tags: Array<{ name: string; description: string }>;
      servers: Array<{ url: string }>;
      "x-error-codes": Array<{ code: string; status: number }>;
    };
    const page = await browser.newPage();
    await page.goto(`${service.url}/docs`);
    await page.locator("article.op[data-method]").first().waitFor();

    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const article = page.locator(`article.op[data-method="${method.toUpperCase()}"][data-path="${path}"]`).first();
        expect(await article.locator("p.meta", { hasText: "operationId" }).locator("code").textContent(), `${method} ${path}`).toBe(op.operationId);
        // The anchor is named after the operationId, so links to an operation survive path changes.
        expect(await article.getAttribute("id")).toBe(`op-${op.operationId!.toLowerCase()}`);
      }
    }
    for (const tag of doc.tags) expect(await page.locator(`section#tag-${tag.name}`).textContent(), tag.name).toContain(tag.description);
    const servers = page.getByRole("region", { name: "Servers" });
    for (const server of doc.servers) expect(await servers.locator("code", { hasText: server.url }).count(), server.url).toBeGreaterThan(0);

    const metrics = page.locator('section#tag-operations article.op[data-method="GET"][data-path="/metrics"]');
    expect(await metrics.locator(".media .meta code").allTextContents()).toEqual(["text/plain"]);
    expect(await metrics.locator("details.example").textContent()).toContain("tierline_decisions_total");
    expect(await metrics.locator(".security").textContent()).toMatch(/none \(public\)/);

    const codes = page.locator('.extension[data-extension="x-error-codes"] tbody tr');
    expect(await codes.count()).toBe(doc["x-error-codes"].length);
    expect(await codes.filter({ hasText: "forbidden" }).textContent()).toContain("403");
    await screenshot(page, "docs-head", { fullPage: false });
    await metrics.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await screenshot(page, "docs-metrics", { fullPage: false });
    await page.close();
  });

  it("signs in with a bearer token: a wrong one is refused with the API's message, sign-out forgets it", async () => {
    const page = await browser.newPage();
    await page.goto(`${service.url}/console`);
    await page.getByLabel("Bearer token").fill("definitely-not-a-valid-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await eventually(() => alert.textContent()).toContain("the bearer token is not valid");
    expect(await alert.textContent()).toMatch(/request id [0-9a-f-]{36}/);
    await screenshot(page, "console-signin-refused");

    await page.getByLabel("Bearer token").fill(adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByText("Curator (admin token)").isVisible()).toBe(true);
    expect(page.url()).not.toContain(adminToken);
    expect(await page.evaluate(() => sessionStorage.getItem("tierline.console.token"))).toBe(adminToken);
    // Seats for later pages are in the navigation, marked as coming.
    const nav = page.getByRole("navigation", { name: "Console pages" });
    for (const later of ["Rules"]) expect(await nav.getByRole("link", { name: new RegExp(`^${later}`) }).textContent()).toContain("coming");
    for (const ready of ["Review", "Gateway"]) expect(await nav.getByRole("link", { name: new RegExp(`^${ready}`) }).textContent()).not.toContain("coming");
    await nav.getByRole("link", { name: /^Review/ }).click();
    await eventually(() => page.getByRole("heading", { name: "Review" }).isVisible()).toBe(true);
    await screenshot(page, "console-review-empty");

    await page.getByRole("button", { name: "Sign out" }).click();
    await eventually(() => page.getByLabel("Bearer token").isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("tierline.console.token"))).toBeNull();
    await page.close();

    // An analyst token signs in read-only: exemplars need the admin token.
    const analyst = await signIn(analystToken, "#/exemplars");
    await eventually(() => analyst.getByText("Analyst (read-only)").isVisible()).toBe(true);
    await eventually(() => analyst.getByText("This page needs an admin token").isVisible()).toBe(true);
    await analyst.close();
  });

  it("routes a query and shows tier, reason, margin, votes and the neighbors with similarities", async () => {
    const page = await signIn(adminToken, "#/try");
    await page.getByLabel("Query", { exact: true }).fill("What is the capital of Italy?");
    await page.getByRole("button", { name: "Route" }).click();
    const decision = page.getByTestId("decision");
    await decision.waitFor();
    expect(await decision.locator("[data-field=reason]").textContent()).toMatch(
      /^(knn|second_stage|low_margin_fallback|low_confidence_fallback|no_close_exemplar|out_of_distribution)$/,
    );
    expect(await decision.locator("[data-field=margin]").textContent()).toMatch(/^-?\d\.\d{3}$/);
    expect(await decision.locator(".decision-head .tier.large").textContent()).toMatch(/^(fast|standard|premium)$/);
    const votes = page.getByRole("table", { name: /Votes/ });
    expect(await votes.getByRole("meter").count()).toBe(3);
    const neighbors = page.getByRole("table", { name: /Neighbors/ });
    const rows = neighbors.locator("tbody tr");
    expect(await rows.count()).toBe(7); // k = 7
    const similarities = await neighbors.locator("td.similarity").allTextContents();
    for (const s of similarities) expect(s).toMatch(/^-?\d\.\d{3}$/);
    expect(similarities.map(Number)).toEqual([...similarities.map(Number)].sort((a, b) => b - a));
    expect(await rows.first().textContent()).toContain("capital of Germany");
    await screenshot(page, "console-try");
    await page.close();
  });

  it("curates exemplars: add, conflict then force, move (with its conflict), edit the note, search, filter, delete", async () => {
    const page = await signIn(adminToken, "#/exemplars");
    const original = "Write a detailed threat model for a multi-tenant Kubernetes platform that runs untrusted customer workloads";
    const twin = "Write a detailed threat model for a multi-tenant Kubernetes platform running untrusted customer workloads";
    const status = page.locator(".notices [role=status]");
    const add = async (text: string, tier: string, note?: string) => {
      await page.getByLabel("Exemplar text").fill(text);
      await page.getByLabel("Tier", { exact: true }).selectOption(tier);
      await page.getByLabel("Note (optional)").fill(note ?? "");
      await page.getByRole("button", { name: "Add exemplar" }).click();
    };

    await add(original, "premium", "browser test");
    await eventually(() => status.textContent()).toMatch(/^Added #\d+ in tier premium/);
    const originalId = Number(/#(\d+)/.exec((await status.textContent())!)![1]);

    // A near-duplicate under another tier: 409 exemplar_conflict, shown with the exemplar it clashes with.
    await add(twin, "standard");
    const conflict = page.locator(".notices .conflict");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(`#${originalId}`);
    expect(await conflict.locator(".similarity").first().textContent()).toMatch(/^0\.9[7-9]\d|^1\.000/);
    expect(await conflict.textContent()).toMatch(/request id/);
    await screenshot(page, "console-exemplars-conflict");
    await page.getByRole("button", { name: "Add anyway (force)" }).click();
    await eventually(() => status.textContent()).toMatch(/^Added #\d+ in tier standard/);
    const twinId = Number(/#(\d+)/.exec((await status.textContent())!)![1]);
    expect(twinId).not.toBe(originalId);

    // Move the twin to fast: still a conflict with the premium original, so force again.
    await page.getByLabel(`Tier of exemplar #${twinId}`, { exact: true }).selectOption("fast");
    await conflict.waitFor();
    await page.getByRole("button", { name: "Move anyway (force)" }).click();
    await eventually(() => status.textContent()).toMatch(new RegExp(`^Moved #${twinId} from standard to fast \\(revision \\d+\\)\\.$`));
    expect(await status.textContent()).toContain(`(revision ${await revision()})`);
    expect(await (await api(`/exemplars/${twinId}`, { token: adminToken })).json()).toMatchObject({ tier: "fast" });

    // Edit the note.
    await page.getByRole("button", { name: `Edit note of exemplar #${twinId}` }).click();
    await page.getByLabel(`Note of exemplar #${twinId}`, { exact: true }).fill("near-duplicate kept on purpose");
    await page.getByRole("button", { name: `Save note of exemplar #${twinId}` }).click();
    await eventually(() => status.textContent()).toBe(`Saved the note of #${twinId}.`);
    expect(await (await api(`/exemplars/${twinId}`, { token: adminToken })).json()).toMatchObject({ note: "near-duplicate kept on purpose" });

    // Search and filter.
    await page.getByLabel("Search text").fill("threat model");
    await page.getByRole("button", { name: "Search" }).click();
    const ids = async () =>
      (await page.locator("table.exemplars tbody tr[data-id]").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))))).sort((a, b) => a - b);
    await eventually(ids).toEqual([originalId, twinId]);
    await page.getByLabel("Tier filter").selectOption("fast");
    await eventually(ids).toEqual([twinId]);
    expect(await page.locator("table.exemplars caption").textContent()).toContain("in tier fast");
    await screenshot(page, "console-exemplars");

    // Delete, with a confirmation step.
    await page.getByRole("button", { name: `Delete exemplar #${twinId}` }).click();
    await page.getByRole("button", { name: `Confirm delete of exemplar #${twinId}` }).click();
    await eventually(() => status.textContent()).toMatch(new RegExp(`^Deleted #${twinId} `));
    await eventually(ids).toEqual([]);
    expect((await api(`/exemplars/${twinId}`, { token: adminToken })).status).toBe(404);
    await page.close();
  });

  it("imports a JSONL file in chunks with progress and a summary, and exports every exemplar", async () => {
    const count = async () => Number((await api("/exemplars/export", { token: adminToken })).headers.get("x-exemplar-count"));
    const before = await count();
    const page = await signIn(adminToken, "#/exemplars");
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ text: `Browser import ${i}: list three facts about the number ${i * 7 + 3}`, tier: "standard", ...(i % 50 === 0 ? { note: "bulk" } : {}) }),
    );
    lines.splice(120, 0, "", JSON.stringify(aSeedExemplar)); // a blank line and an exemplar already there
    await page.getByLabel("JSONL file to import").setInputFiles({ name: "browser-import.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(lines.join("\n") + "\n") });

    // Record every value the progress bar takes.
    await page.evaluate(() => {
      const bar = document.getElementById("ex-import-progress")!;
      const seen: number[] = [];
      window.progressSeen = seen;
      new MutationObserver(() => seen.push(bar.value)).observe(bar.parentElement, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    const summary = page.getByTestId("import-summary");
    await summary.waitFor({ timeout: 40_000 });
    expect(await summary.textContent()).toBe(
      "Imported 301 lines from browser-import.jsonl in 2 requests: 300 created, 0 moved, 1 unchanged (revision " + (await revision()) + ").",
    );
    const progress = page.getByRole("progressbar", { name: "Import progress" });
    expect(await progress.evaluate((el) => [(el as unknown as ProgressBar).value, (el as unknown as ProgressBar).max])).toEqual([301, 301]);
    expect(await page.locator(".progress").textContent()).toContain("301 of 301 lines (request 2 of 2)");
    const seen = await page.evaluate(() => window.progressSeen ?? []);
    expect(seen).toContain(250);
    await screenshot(page, "console-exemplars-import");

    // Export: fetched with the token and saved from a blob, so no URL carries the token.
    const expected = await count();
    expect(expected).toBe(before + 300);
    expect(before).toBeGreaterThanOrEqual(seedExemplarCount);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export JSONL" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^exemplars-\d{4}-\d{2}-\d{2}\.jsonl$/);
    expect(file.url()).toMatch(/^blob:/);
    const exported = readFileSync((await file.path())!, "utf8")
      .trim()
      .split("\n");
    expect(exported).toHaveLength(expected);
    for (const line of exported) expect(JSON.parse(line)).toHaveProperty("tier");
    await eventually(() => page.getByText(`Exported ${expected} exemplars`).isVisible()).toBe(true);
    await page.close();
  });

  it("draws the traffic charts (tier mix, cache-hit rate, fallback reasons, savings) from /stats", async () => {
    const queries = [
      "What is the capital of Spain?",
      "Write a Python function that reverses a linked list",
      "Prove that the square root of two is irrational",
      "qzxv wplk jjrt",
      "What is the capital of Spain?",
    ];
    for (const query of [...queries, ...queries]) {
      const res = await api("/route", { method: "POST", body: JSON.stringify({ query }) });
      expect(res.status).toBe(200);
    }
    const routing = (await (await api("/stats/routing", { token: analystToken })).json()) as { requests: number };
    expect(routing.requests).toBeGreaterThanOrEqual(10);

    const page = await signIn(analystToken, "#/traffic");
    const headline = page.getByRole("definition").filter({ hasText: /^\d/ }).first();
    await headline.waitFor();
    expect(await page.locator("dl.stats").textContent()).toContain("Cache-hit rate");
    const chart = (id: string) => page.locator(`figure[data-chart="${id}"] svg[role=img]`);
    // The charts, or the API's error in their place.
    await page.locator(".charts figure, .charts [role=alert]").first().waitFor();
    if ((await chart("tier-mix").count()) === 0) await screenshot(page, "console-traffic");
    if ((await chart("tier-mix").count()) === 0) throw new Error(`traffic charts did not render: ${await page.locator(".charts").textContent()}`);
    expect(await chart("tier-mix").locator("rect.bar").count()).toBeGreaterThan(0);
    expect(await chart("tier-mix").getAttribute("aria-label")).toMatch(/Tier mix per hour/);
    expect(await chart("hit-rate").locator("circle.point").count()).toBeGreaterThan(0);
    expect(await chart("savings").locator("circle.point").count()).toBeGreaterThan(0);
    // The same window the page asked for (last 24 hours, hourly), straight from the API.
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3600_000);
    from.setUTCMinutes(0, 0, 0);
    const series = (await (await api(`/stats/series?from=${from.toISOString()}&to=${to.toISOString()}&bucket=hour`, { token: analystToken })).json()) as {
      points: Array<{ reasons: Record<string, number> }>;
    };
    const fallbacks = series.points
      .flatMap((p) => Object.entries(p.reasons))
      .filter(([r]) => isFallback(r))
      .reduce((n, [, c]) => n + c, 0);
    if (fallbacks > 0) expect(await chart("fallbacks").locator("rect.bar").count()).toBeGreaterThan(0);
    else expect(await chart("fallbacks").textContent()).toContain("No fallbacks");
    await screenshot(page, "console-traffic");
    await page.close();
  });

  it("never left localhost, never put a token in a URL, and raised no script errors or CSP violations", () => {
    expect(browser.offsite).toEqual([]);
    expect(browser.requested.length).toBeGreaterThan(20);
    expect(browser.requested.filter((url) => url.includes(adminToken) || url.includes(analystToken))).toEqual([]);
    expect(browser.problems.join("\n")).toBe("");
  });

  async function revision(): Promise<number> {
    const res = await api("/readyz");
    return ((await res.json()) as { checks: { index: { revision: number } } }).checks.index.revision;
  }
});
