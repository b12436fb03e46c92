import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, analystToken, chromiumPath, hasChromium, launchBrowser, screenshot, serviceCommand, startService, type RunningService, type TestBrowser } from "./harness.js";

/** expect.poll with room for a loaded two-core machine. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });

if (!hasChromium) console.warn(`browser tests skipped: ${chromiumPath} is absent (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)(`console Review page in Chromium (service: ${serviceCommand})`, () => {
  let service: RunningService;
  let browser: TestBrowser;
  const api = async (path: string, json?: unknown, token = adminToken) => {
    const res = await fetch(`${service.url}${path}`, {
      method: json === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const route = (query: string) => api("/route", { query });

  beforeAll(async () => {
    const started = await Promise.allSettled([startService().then((s) => (service = s)), launchBrowser().then((b) => (browser = b))]);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    browser.context.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function signIn(token: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${service.url}/console#/review`);
    await page.getByLabel("Bearer token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    return page;
  }

  it("lists disagreeing feedback grouped by nearest exemplar; promote changes routing, dismiss does not", async () => {
    const promoteMe = "Write a haiku about autumn";
    const dismissMe = "What is the capital city of Bolivia?";
    const first = await route(promoteMe);
    const second = await route(dismissMe);
    // A report that disagrees with whatever was answered; the log keeps no text by default, so the reports send it.
    const disagree = (tier: string, query: string) =>
      tier === "premium" ? { verdict: "overkill", correctTier: "standard", query } : { verdict: "too_weak", correctTier: "premium", query };
    expect((await api(`/decisions/${first.decisionId}/feedback`, disagree(first.tier, promoteMe))).reviewId).toEqual(expect.any(Number));
    expect((await api(`/decisions/${second.decisionId}/feedback`, disagree(second.tier, dismissMe))).reviewId).toEqual(expect.any(Number));
    const suggested = first.tier === "premium" ? "standard" : "premium";
    await api(`/decisions/${(await route("What is 6 times 7?")).decisionId}/feedback`, { verdict: "ok" });

    const page = await signIn(adminToken);
    await eventually(() => page.getByRole("heading", { name: "Review" }).isVisible()).toBe(true);
    const rows = page.locator("tr[data-review-id]");
    await eventually(() => rows.count()).toBe(2);
    expect(await page.locator("table.review-group caption").first().textContent()).toMatch(/Nearest exemplar #\d+/);
    const promoteRow = page.locator("tr[data-review-id]", { hasText: promoteMe });
    expect(await promoteRow.textContent()).toContain(first.tier === "premium" ? "overkill" : "too weak");
    await screenshot(page, "console-review");

    const itemId = await promoteRow.getAttribute("data-review-id");
    expect(await page.getByLabel(`Tier to promote review item #${itemId} as`).inputValue()).toBe(suggested);
    await promoteRow.getByRole("button", { name: "Promote" }).click();
    const status = page.locator(".notices [role=status]");
    await eventually(() => status.textContent()).toMatch(new RegExp(`^Promoted review item #${itemId} as exemplar #\\d+ in tier ${suggested} \\(revision \\d+\\)`));
    await eventually(() => rows.count()).toBe(1);
    const after = await route(promoteMe);
    expect(after).toMatchObject({ tier: suggested, reason: "exemplar", revision: first.revision + 1 });

    const dismissRow = page.locator("tr[data-review-id]", { hasText: dismissMe });
    await dismissRow.getByRole("button", { name: "Dismiss" }).click();
    await eventually(() => status.textContent()).toMatch(/^Dismissed review item #\d+; routing is unchanged\.$/);
    await eventually(() => rows.count()).toBe(0);
    expect(await route(dismissMe)).toMatchObject({ tier: second.tier, revision: after.revision }); // dismiss wrote nothing: same tier, same revision

    await page.getByLabel("Status").selectOption("promoted");
    await eventually(() => page.locator("tr[data-review-id]").count()).toBe(1);
    expect(await page.locator("tr[data-review-id]").textContent()).toMatch(/promoted as #\d+ by admin/);
    await page.getByLabel("Status").selectOption("open");
    await eventually(() => page.locator(".review-summary").textContent()).toMatch(/Nothing to review/);
    await screenshot(page, "console-review-done");
    expect(browser.problems).toEqual([]);
    expect(browser.offsite).toEqual([]);
    await page.close();

    const analyst = await signIn(analystToken);
    await eventually(() => analyst.getByText("This page needs an admin token").isVisible()).toBe(true);
    await analyst.close();
  });
});
