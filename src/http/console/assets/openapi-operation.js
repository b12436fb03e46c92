// One OpenAPI operation as HTML: method and path, summary and description, security,
// parameters, request body, responses with headers and schemas, vendor extensions.
import { h } from "./dom.js";
import { inlineMarkdown, markdown } from "./markdown.js";
import { constraints, exampleOf, resolved, schemaView, typeLabel } from "./openapi-schema.js";

export function operationView({ method, path, op, pathItem, anchor }, ctx) {
  const params = mergeParameters(pathItem?.parameters ?? [], op.parameters ?? [], ctx);
  const security = op.security ?? ctx.doc.security ?? [];
  return h(
    "article",
    { id: anchor, class: `op${op.deprecated ? " deprecated" : ""}`, "aria-labelledby": `${anchor}-title`, "data-method": method.toUpperCase(), "data-path": path },
    h(
      "h3",
      { id: `${anchor}-title` },
      methodBadge(method),
      " ",
      h("code", { class: "path" }, path),
      op.summary ? h("span", { class: "summary" }, ` ${op.summary}`) : null,
      op.deprecated ? h("span", { class: "badge" }, "deprecated") : null,
    ),
    op.operationId ? h("p", { class: "meta" }, "operationId ", h("code", {}, op.operationId)) : null,
    markdown(op.description),
    securityView(security, ctx),
    params.length > 0 ? parametersView(params, ctx) : null,
    op.requestBody ? requestBodyView(op.requestBody, ctx) : null,
    responsesView(op.responses ?? {}, ctx),
    extensionsView(op, "operation"),
  );
}

function mergeParameters(pathLevel, opLevel, ctx) {
  const byKey = new Map();
  for (const p of [...pathLevel, ...opLevel]) {
    const param = p.$ref ? { ...ctx.resolve(p.$ref), $from: p.$ref } : p;
    byKey.set(`${param.in}:${param.name}`, param);
  }
  return [...byKey.values()];
}

function securityView(requirements, ctx) {
  if (requirements.length === 0 || requirements.every((r) => Object.keys(r).length === 0)) {
    return h("p", { class: "security public" }, h("strong", {}, "Authentication: "), "none (public)");
  }
  const schemes = ctx.doc.components?.securitySchemes ?? {};
  const alternatives = requirements.map((req) =>
    Object.entries(req)
      .map(([name, scopes]) => {
        const scheme = schemes[name];
        const how = scheme ? describeScheme(scheme) : "";
        return `${name}${how ? ` (${how})` : ""}${scopes?.length ? ` scopes: ${scopes.join(", ")}` : ""}`;
      })
      .join(" and "),
  );
  return h("p", { class: "security" }, h("strong", {}, "Authentication: "), alternatives.join(", or "));
}

export function describeScheme(scheme) {
  if (scheme.type === "http")
    return `HTTP ${scheme.scheme ?? ""}${scheme.bearerFormat ? ` (${scheme.bearerFormat})` : ""}: Authorization: ${scheme.scheme === "bearer" ? "Bearer <token>" : scheme.scheme}`;
  if (scheme.type === "apiKey") return `API key in ${scheme.in} ${scheme.name}`;
  return scheme.type ?? "";
}

function parametersView(params, ctx) {
  return h(
    "section",
    { class: "params" },
    h("h4", {}, "Parameters"),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Name", "In", "Type", "Required", "Description"].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        params.map((p) => {
          const schema = p.schema ?? Object.values(p.content ?? {})[0]?.schema ?? {};
          return h(
            "tr",
            {},
            h("td", {}, h("code", {}, p.name)),
            h("td", {}, p.in),
            h("td", {}, typeLabel(schema, ctx)),
            h("td", {}, p.required ? "yes" : "no"),
            h(
              "td",
              {},
              markdown(p.description ?? resolved(schema, ctx).description),
              constraints(resolved(schema, ctx)),
              p.deprecated ? h("span", { class: "badge" }, "deprecated") : null,
            ),
          );
        }),
      ),
    ),
  );
}

function requestBodyView(raw, ctx) {
  const body = raw.$ref ? ctx.resolve(raw.$ref) : raw;
  return h(
    "section",
    { class: "request-body" },
    h("h4", {}, "Request body", body.required ? h("span", { class: "badge" }, "required") : null),
    markdown(body.description),
    contentView(body.content, ctx),
  );
}

function responsesView(responses, ctx) {
  const entries = Object.entries(responses).sort(([a], [b]) => a.localeCompare(b));
  return h(
    "section",
    { class: "responses" },
    h("h4", {}, "Responses"),
    entries.map(([status, raw]) => {
      const res = raw.$ref ? ctx.resolve(raw.$ref) : raw;
      return h(
        "div",
        { class: "response", "data-status": status },
        h("p", {}, h("span", { class: `status s${status[0]}` }, status), " ", inlineMarkdown(res.description)),
        res.headers ? headersView(res.headers, ctx) : null,
        // Success bodies are shown expanded; error bodies (one shared envelope, usually) folded.
        contentView(res.content, ctx, /^[23]/.test(status) ? 0 : 2),
      );
    }),
  );
}

function headersView(headers, ctx) {
  return h(
    "table",
    { class: "headers" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Header", "Type", "Description"].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      Object.entries(headers).map(([name, raw]) => {
        const header = raw.$ref ? ctx.resolve(raw.$ref) : raw;
        return h("tr", {}, h("td", {}, h("code", {}, name)), h("td", {}, typeLabel(header.schema ?? {}, ctx)), h("td", {}, inlineMarkdown(header.description)));
      }),
    ),
  );
}

function contentView(content, ctx, depth = 0) {
  if (!content) return null;
  return Object.entries(content).map(([type, media]) => {
    const schema = media.schema ?? {};
    // JSON bodies get an example built from the schema; other types (text/plain metrics, JSONL) only the one the schema states.
    const example = media.example ?? Object.values(media.examples ?? {})[0]?.value ?? (/json/.test(type) ? exampleOf(schema, ctx) : resolved(schema, ctx).example);
    return h(
      "div",
      { class: "media" },
      h("p", { class: "meta" }, "Content type ", h("code", {}, type)),
      schemaView(schema, ctx, depth, new Set()),
      example !== undefined
        ? h("details", { class: "example" }, h("summary", {}, "Example"), h("pre", {}, h("code", {}, typeof example === "string" ? example : JSON.stringify(example, null, 2))))
        : null,
    );
  });
}

/** Vendor extensions (x-…) shown as JSON, so whatever the document carries is visible. */
export function extensionsView(object, where) {
  const entries = Object.entries(object ?? {}).filter(([k]) => k.startsWith("x-"));
  if (entries.length === 0) return null;
  return h(
    "section",
    { class: "extensions" },
    entries.map(([key, value]) =>
      h("div", { class: "extension", "data-extension": key }, h("h4", {}, h("code", {}, key), h("span", { class: "muted" }, ` (${where} extension)`)), extensionValue(value)),
    ),
  );
}

function extensionValue(value) {
  if (typeof value === "string") return markdown(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
    const columns = [...new Set(value.flatMap((v) => Object.keys(v)))];
    return h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        value.map((row) =>
          h(
            "tr",
            {},
            columns.map((c) => h("td", {}, cellText(row[c]))),
          ),
        ),
      ),
    );
  }
  return h("pre", {}, h("code", {}, JSON.stringify(value, null, 2)));
}

const cellText = (v) => (v === undefined ? "" : typeof v === "string" || typeof v === "number" ? String(v) : JSON.stringify(v));

export function methodBadge(method) {
  return h("span", { class: `method m-${method}` }, method.toUpperCase());
}
