/**
 * Seeded request generators, one per route. Every case is a complete HTTP
 * request (method, raw path with query string, headers, raw body bytes), so
 * malformed escapes, invalid UTF-8, wrong content types and broken JSON reach
 * the service exactly as written. Cases are produced lazily by index:
 * `caseAt(i)` is deterministic for a given seed, so a failing case is
 * reproduced by its id (`route#i`) and RELIABILITY_SEED.
 */
import { ADMIN_TOKEN, ANALYST_TOKEN, TIERS } from "./service.js";
import { freezeReproducerBody, devQueries } from "./queries.js";
import { Rng } from "./random.js";

export const FUZZ_ROUTES = [
  "POST /route",
  "POST /route/batch",
  "POST /exemplars",
  "GET /exemplars",
  "GET /exemplars/{id}",
  "PATCH /exemplars/{id}",
  "DELETE /exemplars/{id}",
  "POST /exemplars/import",
  "GET /stats/cache",
  "GET /stats/routing",
  "GET /readyz",
  "GET /healthz",
  "unknown paths",
] as const;
export type FuzzRoute = (typeof FUZZ_ROUTES)[number];

export interface FuzzCase {
  id: string;
  route: FuzzRoute;
  /** What the case exercises (e.g. `storm`, `nul`, `malformed-json`), for the per-kind breakdown. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface FuzzContext {
  /** Ids of exemplars that exist (or existed) in the service, so PATCH/DELETE/GET also hit real rows. */
  knownIds(): readonly number[];
}

const COMBINING = Array.from({ length: 0x70 }, (_, i) => String.fromCharCode(0x300 + i));

/** The string shapes every text field is fuzzed with; `maxLong` caps the length (for fields repeated many times in one body). */
export function fuzzText(rng: Rng, opts: { maxLong?: number } = {}): { kind: string; value: string } {
  const t = fuzzTextUncapped(rng, opts);
  return opts.maxLong !== undefined && t.value.length > opts.maxLong ? { kind: t.kind, value: t.value.slice(0, opts.maxLong) } : t;
}

function fuzzTextUncapped(rng: Rng, opts: { maxLong?: number }): { kind: string; value: string } {
  const qs = devQueries();
  const kind = rng.weighted<string>([
    [20, "realistic"],
    [4, "empty"],
    [5, "blank"],
    [8, "unicode"],
    [8, "nul"],
    [5, "control"],
    [6, "lone-surrogate"],
    [6, "storm"],
    [6, "long"],
    [4, "sql"],
    [3, "format"],
    [2, "bom"],
    [3, "normalisation"],
    [1, "huge"],
  ]);
  const base = rng.pick(qs);
  switch (kind) {
    case "realistic":
      return { kind, value: rng.chance(0.5) ? base : `${base} ${rng.int(0, 1e9)}` };
    case "empty":
      return { kind, value: "" };
    case "blank":
      return {
        kind,
        value: Array.from({ length: rng.int(1, 40) }, () => rng.pick([" ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u200b", "\u2028", "\ufeff", "\u180e"])).join(""),
      };
    case "unicode":
      return {
        kind,
        value: rng.pick([
          "你好，世界的首都是哪里？",
          "مرحبا كيف حالك",
          "\u202eevil\u202c text",
          "👩‍👩‍👧‍👦🏳️‍🌈🇫🇷",
          "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
          "ﬁﬂﬃ ligatures",
          "𝕳𝖊𝖑𝖑𝖔 𝖂𝖔𝖗𝖑𝖉",
          "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
          "\u1100\u1161\u11a8".repeat(50),
          base.split("").reverse().join(""),
        ]),
      };
    case "nul": {
      const at = rng.int(0, base.length);
      return { kind, value: rng.chance(0.2) ? "\u0000" : `${base.slice(0, at)}\u0000${base.slice(at)}` };
    }
    case "control":
      return { kind, value: `${base}${Array.from({ length: rng.int(1, 8) }, () => String.fromCharCode(rng.pick([1, 7, 8, 11, 12, 27, 31, 127, 0x85, 0x9b]))).join("")}` };
    case "lone-surrogate":
      return { kind, value: rng.pick([`${base}\ud800`, `\udfff${base}`, "\udc00\ud800", `a\ud83d`, "\ud800".repeat(rng.int(1, 5000))]) };
    case "storm": {
      // Long runs of combining marks with mixed combining classes: canonical reordering is the quadratic path in NFKC.
      const n = rng.pick([100, 1000, 5000, 20_000]);
      const value = rng.chance(0.5) ? "\u0316\u0301".repeat(n / 2) : `a${Array.from({ length: n }, () => rng.pick(COMBINING)).join("")}`;
      return { kind, value };
    }
    case "long":
      return { kind, value: "x".repeat(rng.pick([2047, 2048, 2049, 19_999, 20_000, 20_001, Math.min(opts.maxLong ?? 100_000, 100_000)])) };
    case "sql":
      return { kind, value: rng.pick(["'; drop table exemplars; --", "%", "_", "%_%", "\\", "\\x00", "$1", "E'\\000'", "' or 1=1 --", '"; select pg_sleep(10); --']) };
    case "format":
      return {
        kind,
        value: rng.pick(["%s%s%s%n", "{{7*7}}", "${process.exit()}", "\\u0000", "<script>alert(1)</script>", "../../etc/passwd", "null", "undefined", "NaN", "1e309"]),
      };
    case "bom":
      return { kind, value: `\ufeff${base}` };
    case "normalisation":
      return { kind, value: rng.pick(["\u1e9b\u0323", "\ufdfa".repeat(200), "\u0390".repeat(500), "\u3300".repeat(1000), "e\u0301".repeat(2000), "\uFB2C".repeat(1000)]) };
    default: // huge: well past every cap but under the 1 MB body limit
      return { kind: "huge", value: rng.pick(["word ", "\u00e9", "😀"]).repeat(Math.floor(Math.min(opts.maxLong ?? 900_000, 900_000) / 6)) };
  }
}

/** Any JSON value, nested up to depth. */
function anyValue(rng: Rng, depth = 3): unknown {
  const k = rng.int(0, depth > 0 ? 9 : 6);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -0, 1, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 5e-324, Number("123456789012345678901234567890")]);
    case 3:
    case 4:
      return fuzzText(rng, { maxLong: 5000 }).value;
    case 5:
      return "";
    case 6:
      return rng.pick(["fast", "standard", "premium", "true", "1"]);
    case 7:
      return Array.from({ length: rng.int(0, 4) }, () => anyValue(rng, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--)
        o[rng.pick(["query", "text", "tier", "note", "messages", "explain", "exemplars", "role", "content", "__proto__", "constructor", "x"])] = anyValue(rng, depth - 1);
      return o;
    }
  }
}

/** Bodies that are not (valid) JSON. */
function malformedJson(rng: Rng, field: string): { kind: string; body: string | Buffer } {
  const v = rng
    .pick(devQueries())
    .slice(0, 80)
    .replace(/["\\\n]/g, " ");
  return rng.pick<{ kind: string; body: string | Buffer }>([
    { kind: "malformed-json", body: "" },
    { kind: "malformed-json", body: " " },
    { kind: "malformed-json", body: `{"${field}":"${v}"` },
    { kind: "malformed-json", body: `{"${field}":"${v}",}` },
    { kind: "malformed-json", body: `{'${field}':'${v}'}` },
    { kind: "malformed-json", body: `{"${field}":"${v}"}garbage` },
    { kind: "malformed-json", body: `{"${field}":"${v}\u0000"}` }, // raw NUL inside a JSON string
    { kind: "malformed-json", body: `{"${field}":"a\nb"}` }, // raw newline inside a JSON string
    { kind: "malformed-json", body: `{"${field}":1e99999}` },
    { kind: "malformed-json", body: `{"${field}":"\\ud800\\"}` },
    { kind: "malformed-json", body: `{"${field}":"\\x41"}` },
    { kind: "malformed-json", body: "\ufeff{}" },
    {
      kind: "invalid-utf8",
      body: Buffer.concat([Buffer.from(`{"${field}":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]), Buffer.from(`"}`)]),
    },
    { kind: "utf16-body", body: Buffer.from(`{"${field}":"${v}"}`, "utf16le") },
    { kind: "malformed-json", body: "null" },
    { kind: "malformed-json", body: "[]" },
    { kind: "malformed-json", body: '"just a string"' },
    { kind: "malformed-json", body: "12345" },
    { kind: "malformed-json", body: `{"${field}":"${v}","${field}":7}` },
    { kind: "proto-pollution", body: `{"__proto__":{"${field}":"${v}","isAdmin":true},"constructor":{"prototype":{"x":1}}}` },
  ]);
}

/** `[[[[…]]]]` or `{"a":{"a":…}}`, up to ~800 KB. */
function deepNesting(rng: Rng, field: string): string {
  const n = rng.pick([1000, 10_000, 100_000, 390_000]);
  return rng.chance(0.5) ? `{"${field}":${"[".repeat(n)}${"]".repeat(n)}}` : `${'{"a":'.repeat(Math.floor(n / 4))}1${"}".repeat(Math.floor(n / 4))}`;
}

const WRONG_CONTENT_TYPES = [
  undefined,
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/json;;;",
  "application/json, text/plain",
  "application/jsonx",
  "application/x-ndjson",
  "*/*",
  "",
  "application/json; charset=\u00ff",
];

function headersWith(rng: Rng, contentType: string | undefined, auth: "admin" | "analyst" | "none"): Record<string, string> {
  const h: Record<string, string> = {};
  if (contentType !== undefined) h["content-type"] = contentType;
  // Mostly the right token, so requests get past auth into validation; a few wrong ones (they may meet the rate limiter: 429 is fine).
  const r = rng.next();
  if (auth !== "none") {
    if (r < 0.96) h.authorization = `Bearer ${auth === "admin" ? ADMIN_TOKEN : ANALYST_TOKEN}`;
    else if (r < 0.97) h.authorization = "Bearer ";
    else if (r < 0.98) h.authorization = `Basic ${Buffer.from("admin:admin").toString("base64")}`;
    else if (r < 0.99) h.authorization = `Bearer ${"x".repeat(rng.pick([1, 15, 16, 4096]))}`;
  }
  if (rng.chance(0.05)) h["x-request-id"] = rng.pick(["", "x".repeat(8000), "../../etc", "<script>", "id with spaces", "\u00e9\u00e8"]);
  if (rng.chance(0.03)) h["content-encoding"] = rng.pick(["gzip", "br", "identity", "x-unknown"]);
  if (rng.chance(0.03)) h.accept = rng.pick(["text/html", "application/xml", "*/*;q=0", "\u00ff"]);
  if (rng.chance(0.02)) h.origin = rng.pick(["https://evil.example", "null", "http://localhost:3000"]);
  return h;
}

const encodeQuery = (params: Array<[string, string]>, raw: boolean) =>
  params.map(([k, v]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(toWellFormed(v))}`)).join("&");

/** encodeURIComponent throws on lone surrogates; replace them so the case is still sent. */
const toWellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

/** Raw (unencoded or malformed) query-string values. */
const RAW_QUERY_VALUES = ["%", "%zz", "%00", "%ff%fe", "%ed%a0%80", "%c0%80", "a%20b", "+", "%2525", "a&b=c", "%E2%82", "%u00e9"];

function randomId(rng: Rng, ctx: FuzzContext): { kind: string; id: string } {
  const known = ctx.knownIds();
  if (known.length > 0 && rng.chance(0.35)) return { kind: "known-id", id: String(rng.pick(known)) };
  return rng.pick([
    { kind: "id-edge", id: "0" },
    { kind: "id-edge", id: "-1" },
    { kind: "id-edge", id: "1.5" },
    { kind: "id-edge", id: "1e3" },
    { kind: "id-edge", id: "999999999999999" },
    { kind: "id-edge", id: "9999999999999999" },
    { kind: "id-edge", id: "9007199254740993" },
    { kind: "id-edge", id: "2147483648" },
    { kind: "id-edge", id: "00000000000000000001" },
    { kind: "id-edge", id: "1".repeat(5000) },
    { kind: "id-malformed", id: "abc" },
    { kind: "id-malformed", id: "%00" },
    { kind: "id-malformed", id: "1%00" },
    { kind: "id-malformed", id: "%ff" },
    { kind: "id-malformed", id: "%" },
    { kind: "id-malformed", id: "..%2f..%2fetc" },
    { kind: "id-malformed", id: "%e2%80%ae1" },
    { kind: "id-malformed", id: "export" },
    { kind: "id-malformed", id: "import" },
    { kind: "id-malformed", id: "1;drop" },
    { kind: "id-malformed", id: "%20%201" },
    { kind: "id-edge", id: String(rng.int(1, 5000)) },
  ]);
}

function jsonBody(value: unknown): string {
  return JSON.stringify(value);
}

type Gen = (rng: Rng, i: number, ctx: FuzzContext) => Omit<FuzzCase, "id" | "route">;

/** A JSON body, or (sometimes) a malformed/deep/wrong-content-type variant of it. */
function withBodyMutations(
  rng: Rng,
  field: string,
  auth: "admin" | "none",
  good: () => { kind: string; value: unknown },
  path: string,
  method: string,
  contentType = "application/json",
): Omit<FuzzCase, "id" | "route"> {
  const r = rng.next();
  if (r < 0.1) {
    const m = malformedJson(rng, field);
    return { kind: m.kind, method, path, headers: headersWith(rng, contentType, auth), body: m.body };
  }
  if (r < 0.12) return { kind: "deep-nesting", method, path, headers: headersWith(rng, contentType, auth), body: deepNesting(rng, field) };
  if (r < 0.17) {
    const g = good();
    return { kind: "content-type", method, path, headers: headersWith(rng, rng.pick(WRONG_CONTENT_TYPES), auth), body: jsonBody(g.value) };
  }
  if (r < 0.2) return { kind: "any-json", method, path, headers: headersWith(rng, contentType, auth), body: jsonBody(anyValue(rng, 4)) };
  if (r < 0.21) {
    const g = good();
    return { kind: "chunked", method, path, headers: { ...headersWith(rng, contentType, auth), "transfer-encoding": "chunked" }, body: jsonBody(g.value) };
  }
  const g = good();
  return { kind: g.kind, method, path, headers: headersWith(rng, contentType, auth), body: jsonBody(g.value) };
}

const wrongType = (rng: Rng) => rng.pick<unknown>([null, 0, 1, true, [], {}, ["a"], { text: "a" }, 1e308, -1]);

/** A /route body (the good shapes, before malformed-JSON and content-type mutations). */
function routeBody(rng: Rng, maxLong?: number): { kind: string; value: unknown } {
  const r = rng.next();
  if (r < 0.45) {
    const t = fuzzText(rng, { maxLong });
    return { kind: t.kind, value: rng.chance(0.1) ? { query: t.value, explain: anyValue(rng, 1) } : { query: t.value } };
  }
  if (r < 0.75) {
    const n = rng.pick([0, 1, 2, 3, 5, 50, 1000]);
    const messages = Array.from({ length: n }, () => {
      const role = rng.pick<unknown>(["user", "user", "system", "assistant", "tool", "developer", "USER", "", null, 7]);
      const t = fuzzText(rng, { maxLong: n > 50 ? 200 : (maxLong ?? 20_000) });
      const content = rng.weighted<unknown>([
        [6, t.value],
        [
          3,
          [
            { type: "text", text: t.value },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ],
        ],
        [1, [{ type: "text", text: 5 }]],
        [1, [{ type: "image_url" }]],
        [1, []],
        [1, null],
        [1, { text: t.value }],
        [1, 42],
      ]);
      return rng.chance(0.05) ? anyValue(rng, 2) : { role, content, ...(rng.chance(0.05) ? { name: t.value } : {}) };
    });
    return { kind: n >= 1000 ? "many-messages" : "messages", value: rng.chance(0.1) ? { messages, query: fuzzText(rng, { maxLong }).value } : { messages } };
  }
  if (r < 0.9) return { kind: "wrong-type", value: rng.chance(0.5) ? { query: wrongType(rng) } : { messages: wrongType(rng) } };
  return {
    kind: "extra-fields",
    value: { query: rng.pick(devQueries()), [rng.pick(["model", "tier", "stream", "sessionId", "profile", "budget", "__proto__", "x".repeat(1000)])]: anyValue(rng, 2) },
  };
}

const routeGen: Gen = (rng) => {
  const q = rng.chance(0.2) ? `?explain=${rng.pick(["1", "true", "0", "yes", "", "%00", "%zz", "1&explain=0"])}` : "";
  const extra: Record<string, string> = rng.chance(0.05) ? { "x-session-id": rng.pick(["s1", "", "x".repeat(5000), "../..", "\u00e9"]) } : {};
  const c = withBodyMutations(rng, "query", "none", () => routeBody(rng), `/route${q}`, "POST");
  return { ...c, headers: { ...c.headers, ...extra } };
};

const routeBatchGen: Gen = (rng) => {
  const q = rng.chance(0.1) ? `?explain=${rng.pick(["1", "0", "%00"])}` : "";
  return withBodyMutations(
    rng,
    "queries",
    "none",
    () => {
      const r = rng.next();
      if (r < 0.8) {
        // Mostly small batches (fast, many shapes); a few at and past the 256-item cap.
        const n = rng.weighted<number>([
          [2, 0],
          [6, 1],
          [5, 2],
          [4, 5],
          [2, 20],
          [0.5, 256],
          [0.5, 257],
        ]);
        // Big batches carry small items, so a batch stays under the body limit and is about the item count.
        const items = Array.from({ length: n }, () => routeBody(rng, n > 20 ? 100 : 5000).value);
        return { kind: n > 256 ? "batch-too-long" : n > 20 ? "batch-big" : "batch", value: { queries: items } };
      }
      if (r < 0.9) return { kind: "wrong-type", value: { queries: wrongType(rng) } };
      return { kind: "extra-fields", value: { queries: [{ query: "hello" }], [rng.pick(["sessionId", "explain", "x"])]: anyValue(rng, 2) } };
    },
    `/route/batch${q}`,
    "POST",
  );
};

const exemplarInput = (rng: Rng): { kind: string; value: unknown } => {
  const t = fuzzText(rng);
  const r = rng.next();
  const tier = r < 0.7 ? rng.pick(TIERS) : rng.pick<unknown>(["FAST", "", "premium\u0000", "gold", " fast", "fast ", 1, null, ["fast"], "x".repeat(1000)]);
  const note = rng.chance(0.7) ? undefined : rng.chance(0.8) ? fuzzText(rng, { maxLong: 2000 }).value : wrongType(rng);
  const kind = r < 0.7 ? t.kind : "bad-tier";
  return { kind, value: { text: rng.chance(0.95) ? t.value : wrongType(rng), tier, ...(note === undefined ? {} : { note }) } };
};

const exemplarsPostGen: Gen = (rng) => {
  const q = rng.chance(0.2) ? `?force=${rng.pick(["true", "1", "yes", "%00", ""])}` : "";
  return withBodyMutations(
    rng,
    "text",
    "admin",
    () => {
      const r = rng.next();
      if (r < 0.75) return exemplarInput(rng);
      if (r < 0.95) {
        const n = rng.pick([0, 1, 2, 5, 20, 1001]);
        // Big batches carry one invalid item, so they are rejected by validation instead of embedding 1,000 texts.
        const items = Array.from({ length: n }, () => (n > 20 ? { text: "x", tier: "nope" } : exemplarInput(rng).value));
        return { kind: n > 20 ? "big-batch" : "batch", value: { exemplars: items } };
      }
      return { kind: "wrong-type", value: { exemplars: wrongType(rng) } };
    },
    `/exemplars${q}`,
    "POST",
  );
};

const exemplarsListGen: Gen = (rng) => {
  const params: Array<[string, string]> = [];
  let raw = false;
  let kind = "query-params";
  if (rng.chance(0.5)) params.push(["tier", rng.chance(0.6) ? rng.pick(TIERS) : fuzzText(rng, { maxLong: 3000 }).value]);
  if (rng.chance(0.6)) {
    const t = fuzzText(rng, { maxLong: 3000 });
    params.push(["q", rng.chance(0.7) ? t.value.slice(0, rng.pick([3, 20, 200, 201, 5000])) : t.value]);
    kind = t.kind;
  }
  if (rng.chance(0.5)) params.push(["limit", rng.pick(["1", "50", "500", "501", "0", "-1", "1.5", "1e3", "abc", "", "99999999999999999999", "NaN", "Infinity"])]);
  if (rng.chance(0.3)) {
    params.push([
      "cursor",
      rng.pick([
        Buffer.from("5").toString("base64url"),
        Buffer.from("-1").toString("base64url"),
        Buffer.from("1e400").toString("base64url"),
        Buffer.from("99999999999999999999").toString("base64url"),
        Buffer.from("NaN").toString("base64url"),
        Buffer.from("\u0000").toString("base64url"),
        "!!!",
        "x".repeat(41),
        "",
        "AAAA",
      ]),
    ]);
    kind = "cursor";
  }
  if (rng.chance(0.1)) params.push([rng.pick(["tier", "q", "limit"]), "again"]);
  if (rng.chance(0.05)) params.push(["unknown", "1"]);
  if (rng.chance(0.15)) {
    raw = true;
    kind = "raw-query";
    params.push([rng.pick(["q", "tier", "limit", "cursor"]), rng.pick(RAW_QUERY_VALUES)]);
  }
  const qs = encodeQuery(params, false);
  const rawPart = raw
    ? params
        .filter(([, v]) => RAW_QUERY_VALUES.includes(v))
        .map(([k, v]) => `${k}=${v}`)
        .join("&")
    : "";
  const query = raw
    ? `${encodeQuery(
        params.filter(([, v]) => !RAW_QUERY_VALUES.includes(v)),
        false,
      )}&${rawPart}`
    : qs;
  return { kind, method: "GET", path: `/exemplars${query ? `?${query}` : ""}`, headers: headersWith(rng, undefined, "admin") };
};

const exemplarGetGen: Gen = (rng, _i, ctx) => {
  const id = randomId(rng, ctx);
  return { kind: id.kind, method: rng.chance(0.05) ? "HEAD" : "GET", path: `/exemplars/${id.id}`, headers: headersWith(rng, undefined, "admin") };
};

const exemplarPatchGen: Gen = (rng, _i, ctx) => {
  const id = randomId(rng, ctx);
  const q = rng.chance(0.1) ? `?force=${rng.pick(["true", "0", "%zz"])}` : "";
  const mutated = withBodyMutations(
    rng,
    "text",
    "admin",
    () => {
      const r = rng.next();
      const t = fuzzText(rng);
      if (r < 0.35) return { kind: `note:${fuzzText(rng, { maxLong: 2000 }).kind}`, value: { note: rng.chance(0.2) ? null : fuzzText(rng, { maxLong: 2000 }).value } };
      if (r < 0.6) return { kind: t.kind, value: { text: t.value } };
      if (r < 0.75) return { kind: "tier", value: { tier: rng.chance(0.7) ? rng.pick(TIERS) : rng.pick<unknown>(["gold", "", null, 1]) } };
      if (r < 0.85) return { kind: "empty-patch", value: {} };
      return { kind: "wrong-type", value: { text: wrongType(rng), tier: wrongType(rng), note: wrongType(rng) } };
    },
    `/exemplars/${id.id}${q}`,
    "PATCH",
  );
  return { ...mutated, kind: `${id.kind}/${mutated.kind}` };
};

const exemplarDeleteGen: Gen = (rng, _i, ctx) => {
  const id = randomId(rng, ctx);
  // Only a few real deletes, so the index keeps most of its exemplars for the other routes.
  const realId = id.kind === "known-id" && rng.chance(0.15) ? id.id : id.kind === "known-id" ? String(9_000_000 + rng.int(0, 1e6)) : id.id;
  return {
    kind: id.kind,
    method: "DELETE",
    path: `/exemplars/${realId}`,
    headers: headersWith(rng, rng.chance(0.1) ? "application/json" : undefined, "admin"),
    body: rng.chance(0.1) ? jsonBody(anyValue(rng, 2)) : undefined,
  };
};

/** One JSONL line of an import body. */
function importLine(rng: Rng): { kind: string; line: string } {
  const r = rng.next();
  if (r < 0.5) {
    const e = exemplarInput(rng);
    return { kind: e.kind, line: JSON.stringify(e.value) };
  }
  return rng.pick<{ kind: string; line: string }>([
    { kind: "blank-line", line: "" },
    { kind: "blank-line", line: "   \t" },
    { kind: "crlf", line: `${JSON.stringify({ text: rng.pick(devQueries()), tier: "fast" })}\r` },
    { kind: "bom", line: `\ufeff${JSON.stringify({ text: "bom line", tier: "fast" })}` },
    { kind: "malformed-line", line: "{not json" },
    { kind: "malformed-line", line: '{"text":"x","tier":"fast"' },
    { kind: "malformed-line", line: "# a comment" },
    { kind: "wrong-shape", line: "[]" },
    { kind: "wrong-shape", line: "null" },
    { kind: "wrong-shape", line: JSON.stringify({ query: "x", tier: "fast" }) },
    { kind: "wrong-shape", line: JSON.stringify({ text: "x", tier: "fast", extra: { deep: [1, 2] } }) },
    { kind: "nul", line: JSON.stringify({ text: "a\u0000b", tier: "fast" }) },
    { kind: "nul", line: JSON.stringify({ text: "ok text", tier: "fast", note: "\u0000" }) },
    { kind: "raw-nul", line: '{"text":"a\u0000b","tier":"fast"}' },
    { kind: "long", line: JSON.stringify({ text: "y".repeat(rng.pick([20_000, 20_001, 50_000])), tier: "premium" }) },
    { kind: "storm", line: JSON.stringify({ text: "\u0316\u0301".repeat(rng.pick([500, 5000])), tier: "premium" }) },
    { kind: "lone-surrogate", line: JSON.stringify({ text: "\ud800 import", tier: "fast" }) },
  ]);
}

const importGen: Gen = (rng) => {
  const q = rng.chance(0.15) ? `?force=${rng.pick(["true", "1", "no", "%00"])}` : "";
  const r = rng.next();
  let kind: string;
  let body: string | Buffer;
  if (r < 0.75) {
    const n = rng.pick([0, 1, 1, 2, 3, 5, 10, 30]);
    const lines = Array.from({ length: n }, () => importLine(rng));
    kind = lines.find((l) => !["realistic"].includes(l.kind))?.kind ?? "lines";
    body = lines.map((l) => l.line).join(rng.chance(0.9) ? "\n" : "\r\n") + (rng.chance(0.5) ? "\n" : "");
  } else if (r < 0.8) {
    kind = "too-many-lines";
    body = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ text: `line ${i}`, tier: "nope" })).join("\n");
  } else if (r < 0.85) {
    kind = "invalid-utf8";
    body = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('","tier":"fast"}\n')]);
  } else if (r < 0.9) {
    kind = "json-not-jsonl";
    body = JSON.stringify([{ text: "a", tier: "fast" }]);
  } else if (r < 0.92) {
    kind = "huge-line";
    body = `${JSON.stringify({ text: rng.pick(["lorem ipsum ", "\u00e9t\u00e9 "]).repeat(rng.pick([20_000, 80_000])), tier: "fast" })}\n`;
  } else {
    kind = "any-json-line";
    body = JSON.stringify(anyValue(rng, 3));
  }
  const contentType = rng.chance(0.9)
    ? "application/x-ndjson"
    : rng.pick(WRONG_CONTENT_TYPES.concat(["application/json", "application/x-ndjson; charset=utf-8", "application/jsonl"]));
  return { kind, method: "POST", path: `/exemplars/import${q}`, headers: headersWith(rng, contentType, "admin"), body };
};

/** ISO-ish timestamps at and past the edges of what JavaScript and PostgreSQL accept. */
export const EDGE_DATES = [
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "1000-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "1970-01-01T00:00:00Z",
  "2000-02-29T00:00:00Z",
  "2001-02-29T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-12-31T23:59:60Z",
  "2026-01-01T00:00:00.123456789Z",
  "2026-01-01T00:00:00+14:00",
  "2026-01-01T00:00:00-12:00",
  "2026-01-01T00:00:00+99:99",
  "2026-01-01T00:00:00",
  "2026-01-01",
  "2026-01-01t00:00:00z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "294276-12-31T23:59:59Z",
  "5874897-12-31T00:00:00Z",
  "now",
  "infinity",
  "-infinity",
  "epoch",
  "",
  "1700000000",
  "2026-01-01T00:00:00Z\u0000",
];

function statsGen(path: string, withTier: boolean): Gen {
  return (rng) => {
    const params: Array<[string, string]> = [];
    let kind = "window";
    const date = () => {
      if (rng.chance(0.6)) {
        kind = "edge-date";
        return rng.pick(EDGE_DATES);
      }
      return new Date(Date.now() - rng.int(-1e10, 1e11)).toISOString();
    };
    if (rng.chance(0.7)) params.push(["from", date()]);
    if (rng.chance(0.7)) params.push(["to", date()]);
    if (withTier && rng.chance(0.4)) {
      const t = fuzzText(rng, { maxLong: 3000 });
      params.push(["tier", rng.chance(0.5) ? rng.pick(TIERS) : t.value]);
      kind = `tier:${t.kind}`;
    }
    if (rng.chance(0.05)) params.push(["from", "again"]);
    let query = encodeQuery(params, false);
    if (rng.chance(0.1)) {
      kind = "raw-query";
      query += `${query ? "&" : ""}${rng.pick(["from", "to", "tier"])}=${rng.pick(RAW_QUERY_VALUES)}`;
    }
    return {
      kind,
      method: rng.chance(0.05) ? "HEAD" : "GET",
      path: `${path}${query ? `?${query}` : ""}`,
      headers: headersWith(rng, undefined, rng.chance(0.5) ? "analyst" : "admin"),
    };
  };
}

const METHODS = ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"];

function healthGen(path: string): Gen {
  return (rng) => {
    const method = rng.pick(METHODS);
    const q = rng.chance(0.3) ? `?${rng.pick(["x=1", "verbose=true", "%zz", "a=%00", `${"k=v&".repeat(500)}`])}` : "";
    const body = method !== "GET" && method !== "HEAD" && rng.chance(0.5) ? jsonBody(anyValue(rng, 2)) : undefined;
    return {
      kind: method === "GET" ? "get" : `method:${method}`,
      method,
      path: `${path}${q}`,
      headers: headersWith(rng, body ? rng.pick(["application/json", "text/plain"]) : undefined, "none"),
      body,
    };
  };
}

const SEGMENTS = [
  "x",
  "route",
  "exemplars",
  "stats",
  "admin",
  "..",
  "%2e%2e",
  "%2f",
  "%00",
  "%",
  "%zz",
  "%ff",
  "\u00e9",
  "%e2%80%ae",
  "openapi.json",
  "metrics",
  "readyz",
  ".env",
  "wp-admin",
  "~",
  "a".repeat(200),
  "",
];

const unknownGen: Gen = (rng) => {
  const method = rng.pick(METHODS);
  const depth = rng.int(1, 6);
  let path = `/${Array.from({ length: depth }, () => rng.pick(SEGMENTS)).join("/")}`;
  if (rng.chance(0.03)) path = `/${"a/".repeat(2000)}`;
  if (rng.chance(0.05)) path = `//${path}`;
  if (rng.chance(0.05)) path = `/route/${rng.pick(["x", "", "%00"])}`;
  if (rng.chance(0.05)) path = `/stats/${rng.pick(["x", "cache/1", "routing/", "%2e%2e/exemplars"])}`;
  if (rng.chance(0.05)) path = `/exemplars/1/${rng.pick(["x", "export", "1"])}`;
  // Paths non-ASCII characters as raw bytes are rejected by the client library; send them encoded.
  path = path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
  const body = method !== "GET" && method !== "HEAD" && rng.chance(0.3) ? jsonBody(anyValue(rng, 2)) : undefined;
  return { kind: `method:${method}`, method, path, headers: headersWith(rng, body ? "application/json" : undefined, rng.chance(0.5) ? "admin" : "none"), body };
};

const GENERATORS: Record<FuzzRoute, Gen> = {
  "POST /route": routeGen,
  "POST /route/batch": routeBatchGen,
  "POST /exemplars": exemplarsPostGen,
  "GET /exemplars": exemplarsListGen,
  "GET /exemplars/{id}": exemplarGetGen,
  "PATCH /exemplars/{id}": exemplarPatchGen,
  "DELETE /exemplars/{id}": exemplarDeleteGen,
  "POST /exemplars/import": importGen,
  "GET /stats/cache": statsGen("/stats/cache", true),
  "GET /stats/routing": statsGen("/stats/routing", false),
  "GET /readyz": healthGen("/readyz"),
  "GET /healthz": healthGen("/healthz"),
  "unknown paths": unknownGen,
};

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const analyst = { authorization: `Bearer ${ANALYST_TOKEN}` };
const storm = (pairs: number) => "\u0316\u0301".repeat(pairs);

/**
 * The exact reproducers from issue 11 (and their equivalents on each route),
 * run first in every route's fuzz, before the random cases.
 */
export function reproducers(route: FuzzRoute): Array<Omit<FuzzCase, "id" | "route">> {
  const json = { "content-type": "application/json" };
  switch (route) {
    case "POST /route":
      return [
        { kind: "issue-reproducer", method: "POST", path: "/route", headers: json, body: freezeReproducerBody() },
        // The same storm as JSON escapes (6 bytes per mark), as many as fit under 1 MB.
        { kind: "issue-reproducer", method: "POST", path: "/route", headers: json, body: `{"query":"${"\\u0316\\u0301".repeat(80_000)}"}` },
        { kind: "issue-reproducer", method: "POST", path: "/route", headers: json, body: JSON.stringify({ messages: [{ role: "user", content: storm(240_000) }] }) },
        { kind: "nul", method: "POST", path: "/route", headers: json, body: JSON.stringify({ query: "what is\u0000 2+2" }) },
      ];
    case "POST /route/batch":
      return [
        { kind: "issue-reproducer", method: "POST", path: "/route/batch", headers: json, body: JSON.stringify({ queries: [{ query: storm(120_000) }] }) },
        {
          kind: "issue-reproducer",
          method: "POST",
          path: "/route/batch",
          headers: json,
          body: JSON.stringify({ queries: Array.from({ length: 8 }, () => ({ query: storm(15_000) })) }),
        },
        {
          kind: "nul",
          method: "POST",
          path: "/route/batch",
          headers: json,
          body: JSON.stringify({ queries: [{ query: "a\u0000b" }, { messages: [{ role: "user", content: "\u0000" }] }] }),
        },
      ];
    case "POST /exemplars":
      return [
        { kind: "issue-reproducer", method: "POST", path: "/exemplars", headers: { ...json, ...admin }, body: JSON.stringify({ text: storm(240_000), tier: "fast" }) },
        { kind: "issue-reproducer", method: "POST", path: "/exemplars", headers: { ...json, ...admin }, body: JSON.stringify({ text: storm(10_000), tier: "fast" }) },
        { kind: "nul", method: "POST", path: "/exemplars", headers: { ...json, ...admin }, body: JSON.stringify({ text: "a\u0000b", tier: "fast" }) },
        { kind: "nul", method: "POST", path: "/exemplars", headers: { ...json, ...admin }, body: JSON.stringify({ text: "nul in the note", tier: "fast", note: "\u0000" }) },
      ];
    case "GET /exemplars":
      return [
        { kind: "nul", method: "GET", path: "/exemplars?q=a%00b", headers: admin },
        { kind: "nul", method: "GET", path: "/exemplars?tier=%00", headers: admin },
        { kind: "issue-reproducer", method: "GET", path: `/exemplars?q=${encodeURIComponent(storm(100))}`, headers: admin },
      ];
    case "GET /exemplars/{id}":
      return [{ kind: "nul", method: "GET", path: "/exemplars/1%00", headers: admin }];
    case "PATCH /exemplars/{id}":
      return [
        { kind: "nul", method: "PATCH", path: "/exemplars/1", headers: { ...json, ...admin }, body: JSON.stringify({ text: "a\u0000b" }) },
        { kind: "nul", method: "PATCH", path: "/exemplars/1", headers: { ...json, ...admin }, body: JSON.stringify({ note: "\u0000" }) },
        { kind: "issue-reproducer", method: "PATCH", path: "/exemplars/1", headers: { ...json, ...admin }, body: JSON.stringify({ text: storm(240_000) }) },
      ];
    case "DELETE /exemplars/{id}":
      return [{ kind: "nul", method: "DELETE", path: "/exemplars/%00", headers: admin }];
    case "POST /exemplars/import":
      return [
        {
          kind: "nul",
          method: "POST",
          path: "/exemplars/import",
          headers: { "content-type": "application/x-ndjson", ...admin },
          body: `${JSON.stringify({ text: "a\u0000b", tier: "fast" })}\n`,
        },
        {
          kind: "issue-reproducer",
          method: "POST",
          path: "/exemplars/import",
          headers: { "content-type": "application/x-ndjson", ...admin },
          body: `${JSON.stringify({ text: storm(240_000), tier: "fast" })}\n`,
        },
      ];
    case "GET /stats/cache":
      return [
        { kind: "issue-reproducer", method: "GET", path: "/stats/cache?from=0000-01-01T00:00:00Z", headers: analyst },
        { kind: "nul", method: "GET", path: "/stats/cache?tier=%00", headers: analyst },
      ];
    case "GET /stats/routing":
      return [{ kind: "issue-reproducer", method: "GET", path: "/stats/routing?from=0000-01-01T00:00:00Z", headers: analyst }];
    default:
      return [];
  }
}

/** The cases of one route: the reproducers, then random cases up to `count` in all. */
export function* fuzzCases(route: FuzzRoute, count: number, seed: number, ctx: FuzzContext): Generator<FuzzCase> {
  const rng = new Rng(seed).fork(route);
  let i = 0;
  for (const c of reproducers(route)) yield { ...c, id: `${route}#${i++}`, route };
  const gen = GENERATORS[route];
  while (i < count) {
    const c = gen(rng, i, ctx);
    yield { ...c, id: `${route}#${i++}`, route };
  }
}
