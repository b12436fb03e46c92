// The console shell: sign-in, navigation between hash routes (#/try,
// #/exemplars, #/traffic, #/review) and the session. Each page is its own module,
// loaded when first visited, with render(ctx) -> optional cleanup.
import { ApiError, createApi, errorView } from "./api.js";
import { h, replace } from "./dom.js";

/**
 * The pages. A later issue adds one by writing its module and replacing
 * `coming` with `module` (and `roles` if it is not for everyone).
 */
const pages = [
  { id: "try", label: "Try a query", module: "./try-page.js", roles: ["curator", "analyst"] },
  { id: "exemplars", label: "Exemplars", module: "./exemplars-page.js", roles: ["curator"] },
  { id: "traffic", label: "Traffic", module: "./traffic-page.js", roles: ["curator", "analyst"] },
  { id: "review", label: "Review", module: "./review-page.js", roles: ["curator"] },
  { id: "rules", label: "Rules", coming: "Routing rules land here in a later release." },
  { id: "gateway", label: "Gateway", module: "./gateway-page.js", roles: ["curator", "analyst"] },
];

const tokenKey = "tierline.console.token";
const defaultTiers = ["fast", "standard", "premium"];

const session = {
  token: null,
  /** "curator" (admin token: may write exemplars) or "analyst" (statistics and routing only). */
  role: null,
  tiers: defaultTiers,
};

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const sessionBox = document.getElementById("session");
let cleanup = null;

const api = createApi(() => session.token, {
  // A token rejected mid-session (rotated, revoked): back to sign-in, saying why.
  onAuthError: (err) => {
    if (session.token && err.code === "unauthorized") signOut(err);
  },
});

function readStoredToken() {
  try {
    return sessionStorage.getItem(tokenKey);
  } catch {
    return null;
  }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(tokenKey, token);
    else sessionStorage.removeItem(tokenKey);
  } catch {
    // storage disabled: the token lives in memory for this page only
  }
}

/**
 * Checks a token against the API: statistics accept analyst and admin tokens,
 * the exemplar list only admin tokens. The tier order comes from /stats/routing.
 */
async function probe(token) {
  const probeApi = createApi(() => token);
  const to = new Date();
  const from = new Date(to.getTime() - 60_000);
  // The bearer guard runs before any handler: an answer other than 401/403 means the token passed.
  const passed = (err) => err instanceof ApiError && err.status >= 500;
  let routing = null;
  try {
    routing = await probeApi.get("/stats/routing", { from: from.toISOString(), to: to.toISOString() });
  } catch (err) {
    if (!passed(err)) throw err; // 401: neither an analyst nor an admin token
  }
  let role = "curator";
  try {
    await probeApi.get("/exemplars", { limit: 1 });
  } catch (err) {
    if (err instanceof ApiError && err.isAuth) role = "analyst";
    else if (!passed(err)) throw err;
  }
  const tiers = routing?.tierMix ? Object.keys(routing.tierMix) : await tiersFromReadiness();
  return { role, tiers: tiers.length > 0 ? tiers : defaultTiers };
}

async function tiersFromReadiness() {
  try {
    const res = await fetch("/readyz", { cache: "no-store" });
    const body = await res.json();
    const byTier = body?.checks?.index?.byTier ?? {};
    const known = defaultTiers.filter((t) => t in byTier);
    return [...known, ...Object.keys(byTier).filter((t) => !known.includes(t))];
  } catch {
    return defaultTiers;
  }
}

function signOut(reason) {
  session.token = null;
  session.role = null;
  storeToken(null);
  renderSignIn(reason);
}

function renderSignIn(reason) {
  runCleanup();
  replace(nav);
  replace(sessionBox);
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "token-help" });
  const message = h("div", { class: "message", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  if (reason instanceof ApiError) message.append(errorView(reason, "Signed out"));
  else if (reason === "signed-out") message.append(h("p", { class: "alert info", role: "status" }, "Signed out. The token was removed from this tab."));

  const form = h(
    "form",
    {
      class: "card signin",
      "aria-labelledby": "signin-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        button.disabled = true;
        replace(message, h("p", { class: "muted", role: "status" }, "Checking the token…"));
        try {
          await signIn(token);
        } catch (err) {
          replace(message, errorView(err, err instanceof ApiError && err.isAuth ? "Sign-in failed" : "Could not check the token"));
          button.disabled = false;
          input.select();
        }
      },
    },
    h("h1", { id: "signin-title" }, "Sign in"),
    h("label", { for: "token" }, "Bearer token"),
    input,
    h(
      "p",
      { id: "token-help", class: "muted" },
      "Curators use the admin token (TIERLINE_ADMIN_TOKEN), analysts the analyst token (TIERLINE_ANALYST_TOKEN). ",
      "It is kept in this tab's session storage, sent only as an Authorization header, and removed when you sign out or close the tab.",
    ),
    button,
    message,
  );
  replace(view, form);
  input.focus();
}

async function signIn(token) {
  const { role, tiers } = await probe(token);
  Object.assign(session, { token, role, tiers });
  storeToken(token);
  renderChrome();
  if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/try";
  else await route();
}

function renderChrome() {
  const items = pages.map((p) => {
    const allowed = !p.roles || p.roles.includes(session.role);
    if (p.coming) {
      return h(
        "li",
        {},
        h("a", { href: `#/${p.id}`, class: "nav-link coming", "data-page": p.id, title: "Coming in a later release" }, p.label, h("span", { class: "badge" }, "coming")),
      );
    }
    return h("li", {}, h("a", { href: `#/${p.id}`, class: allowed ? "nav-link" : "nav-link restricted", "data-page": p.id }, p.label));
  });
  replace(nav, h("ul", {}, items));
  replace(
    sessionBox,
    h("span", { class: "role" }, session.role === "curator" ? "Curator (admin token)" : "Analyst (read-only)"),
    h("button", { type: "button", class: "link", onclick: () => signOut("signed-out") }, "Sign out"),
  );
}

function runCleanup() {
  if (typeof cleanup === "function") {
    try {
      cleanup();
    } catch {
      // a page's cleanup must not block navigation
    }
  }
  cleanup = null;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  return { id: path || "try", params: new URLSearchParams(query) };
}

async function route() {
  if (!session.token) return;
  const { id, params } = parseHash();
  runCleanup();
  for (const a of nav.querySelectorAll("a[data-page]")) {
    if (a.dataset.page === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const page = pages.find((p) => p.id === id);
  if (!page) {
    replace(view, h("h1", {}, "Not found"), h("p", {}, "No console page here. ", h("a", { href: "#/try" }, "Try a query")));
    return;
  }
  document.title = `${page.label} · tierline console`;
  if (page.coming) {
    replace(view, h("section", { class: "page" }, h("h1", {}, page.label), h("p", { class: "alert info" }, page.coming)));
    return;
  }
  if (page.roles && !page.roles.includes(session.role)) {
    replace(
      view,
      h(
        "section",
        { class: "page" },
        h("h1", {}, page.label),
        h("p", { class: "alert info", role: "status" }, "This page needs an admin token: sign in with TIERLINE_ADMIN_TOKEN to curate exemplars."),
      ),
    );
    return;
  }
  replace(view, h("p", { class: "muted" }, "Loading…"));
  try {
    const module = await import(page.module);
    const here = location.hash;
    const container = h("section", { class: "page", "aria-labelledby": `${page.id}-title` });
    replace(view, container);
    cleanup = (await module.render({ api, container, params, session, navigate: (hash) => (location.hash = hash), isCurrent: () => location.hash === here })) ?? null;
  } catch (err) {
    replace(view, errorView(err, `The ${page.label} page failed`));
  }
}

window.addEventListener("hashchange", () => void route());

async function start() {
  const stored = readStoredToken();
  if (!stored) return renderSignIn();
  try {
    await signIn(stored);
  } catch (err) {
    storeToken(null);
    renderSignIn(err);
  }
}

void start();
