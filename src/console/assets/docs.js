// The API reference, rendered in the browser from this service's /openapi.json:
// operations grouped by tag, parameters, request and response schemas with
// $refs resolved, security, and the components. Nothing is fetched from elsewhere.
import { h, replace } from "./dom.js";
import { markdown } from "./markdown.js";

const methods = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];
const toc = document.getElementById("toc");
const main = document.getElementById("doc");

async function start() {
  let doc;
  try {
    const res = await fetch("/openapi.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    doc = await res.json();
  } catch (err) {
    replace(main, h("p", { class: "alert error", role: "alert" }, `Could not load the API description: ${err.message}`));
    return;
  }
  render(doc);
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

function render(doc) {
  const ctx = { doc, resolve: (ref) => resolveRef(doc, ref) };
  const groups = groupByTag(doc, ctx);
  const info = doc.info ?? {};
  document.title = `${info.title ?? "API"} ${info.version ?? ""} · API reference`;

  replace(
    toc,
    h("p", { class: "toc-title" }, h("a", { href: "#top" }, info.title ?? "API")),
    h(
      "ul",
      {},
      groups.map((g) =>
        h(
          "li",
          {},
          h("a", { href: `#${g.anchor}`, class: "toc-tag" }, g.name),
          h("ul", {}, g.ops.map((op) => h("li", {}, h("a", { href: `#${op.anchor}` }, methodBadge(op.method), " ", h("span", { class: "path" }, op.path))))),
        ),
      ),
      Object.keys(doc.components?.schemas ?? {}).length > 0 ? h("li", {}, h("a", { href: "#schemas", class: "toc-tag" }, "Schemas")) : null,
    ),
  );

  replace(
    main,
    h(
      "header",
      { id: "top", class: "doc-head" },
      h("h1", {}, info.title ?? "API", " ", h("span", { class: "version" }, info.version ?? "")),
      h("p", { class: "muted" }, `OpenAPI ${doc.openapi ?? doc.swagger ?? "?"} · generated from `, h("a", { href: "/openapi.json" }, "/openapi.json")),
      info.summary ? h("p", {}, info.summary) : null,
      markdown(info.description),
      serversView(doc.servers),
      securitySchemesView(doc, ctx),
      extensionsView(info, "info"),
      extensionsView(doc, "document"),
    ),
    groups.map((g) =>
      h(
        "section",
        { id: g.anchor, class: "tag-group", "aria-labelledby": `${g.anchor}-title` },
        h("h2", { id: `${g.anchor}-title` }, g.name),
        markdown(g.description),
        g.ops.map((op) => operationView(op, ctx)),
      ),
    ),
    schemasView(doc, ctx),
  );
}

function groupByTag(doc, ctx) {
  const groups = new Map();
  for (const tag of doc.tags ?? []) groups.set(tag.name, { name: tag.name, description: tag.description, ops: [] });
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const pathItem = item.$ref ? ctx.resolve(item.$ref) : item;
    for (const method of methods) {
      const op = pathItem?.[method];
      if (!op) continue;
      const tags = op.tags?.length ? op.tags : ["Other"];
      for (const tag of tags) {
        if (!groups.has(tag)) groups.set(tag, { name: tag, description: undefined, ops: [] });
        groups.get(tag).ops.push({ method, path, op, pathItem, anchor: anchorOf(op, method, path, tags.length > 1 ? tag : "") });
      }
    }
  }
  return [...groups.values()].filter((g) => g.ops.length > 0).map((g) => ({ ...g, anchor: `tag-${slug(g.name)}` }));
}

function anchorOf(op, method, path, tag) {
  return `op-${slug(op.operationId ?? `${method}-${path}`)}${tag ? `-${slug(tag)}` : ""}`;
}

function operationView({ method, path, op, pathItem, anchor }, ctx) {
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

function describeScheme(scheme) {
  if (scheme.type === "http") return `HTTP ${scheme.scheme ?? ""}${scheme.bearerFormat ? ` (${scheme.bearerFormat})` : ""}: Authorization: ${scheme.scheme === "bearer" ? "Bearer <token>" : scheme.scheme}`;
  if (scheme.type === "apiKey") return `API key in ${scheme.in} ${scheme.name}`;
  return scheme.type ?? "";
}

function securitySchemesView(doc, ctx) {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  if (schemes.length === 0) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "auth-title" },
    h("h2", { id: "auth-title" }, "Authentication"),
    h("dl", { class: "facts" }, schemes.map(([name, raw]) => {
      const scheme = raw.$ref ? ctx.resolve(raw.$ref) : raw;
      return [h("dt", {}, h("code", {}, name)), h("dd", {}, describeScheme(scheme), markdown(scheme.description))];
    })),
  );
}

function serversView(servers) {
  if (!servers?.length) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "servers-title" },
    h("h2", { id: "servers-title" }, "Servers"),
    h(
      "ul",
      { class: "servers" },
      servers.map((s) =>
        h(
          "li",
          {},
          h("code", {}, s.url),
          s.description ? ` – ${s.description}` : "",
          s.variables
            ? h("ul", {}, Object.entries(s.variables).map(([k, v]) => h("li", {}, h("code", {}, `{${k}}`), ` default ${v.default}`, v.enum ? `, one of ${v.enum.join(", ")}` : "", v.description ? ` – ${v.description}` : "")))
            : null,
        ),
      ),
    ),
  );
}

function parametersView(params, ctx) {
  return h(
    "section",
    { class: "params" },
    h("h4", {}, "Parameters"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ["Name", "In", "Type", "Required", "Description"].map((c) => h("th", { scope: "col" }, c)))),
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
            h("td", {}, markdown(p.description ?? resolved(schema, ctx).description), constraints(resolved(schema, ctx)), p.deprecated ? h("span", { class: "badge" }, "deprecated") : null),
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
        h("p", {}, h("span", { class: `status s${status[0]}` }, status), " ", inlineText(res.description)),
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
    h("thead", {}, h("tr", {}, ["Header", "Type", "Description"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      Object.entries(headers).map(([name, raw]) => {
        const header = raw.$ref ? ctx.resolve(raw.$ref) : raw;
        return h("tr", {}, h("td", {}, h("code", {}, name)), h("td", {}, typeLabel(header.schema ?? {}, ctx)), h("td", {}, inlineText(header.description)));
      }),
    ),
  );
}

function contentView(content, ctx, depth = 0) {
  if (!content) return null;
  return Object.entries(content).map(([type, media]) => {
    const schema = media.schema ?? {};
    const example = media.example ?? Object.values(media.examples ?? {})[0]?.value ?? (/json/.test(type) ? exampleOf(schema, ctx) : undefined);
    return h(
      "div",
      { class: "media" },
      h("p", { class: "meta" }, "Content type ", h("code", {}, type)),
      schemaView(schema, ctx, depth, new Set()),
      example !== undefined ? h("details", { class: "example" }, h("summary", {}, "Example"), h("pre", {}, h("code", {}, typeof example === "string" ? example : JSON.stringify(example, null, 2)))) : null,
    );
  });
}

function schemasView(doc, ctx) {
  const schemas = Object.entries(doc.components?.schemas ?? {});
  if (schemas.length === 0) return null;
  return h(
    "section",
    { id: "schemas", class: "tag-group", "aria-labelledby": "schemas-title" },
    h("h2", { id: "schemas-title" }, "Schemas"),
    schemas.map(([name, schema]) =>
      h("article", { id: `schema-${slug(name)}`, class: "op schema-def" }, h("h3", {}, h("code", {}, name)), schemaView(schema, ctx, 1, new Set([`#/components/schemas/${name}`]))),
    ),
  );
}

/**
 * A schema as a tree: the type line, its description and constraints, then
 * properties, array items or alternatives. A $ref shows the component's name
 * (linked) with the referenced schema expanded; a cycle stops at the link.
 */
function schemaView(schema, ctx, depth, seen) {
  if (!schema || typeof schema !== "object") return null;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const link = h("a", { href: `#schema-${slug(name)}`, class: "ref" }, name);
    if (seen.has(schema.$ref) || depth > 8) return h("div", { class: "schema" }, h("p", { class: "type" }, link, seen.has(schema.$ref) ? " (recursive)" : ""));
    const target = ctx.resolve(schema.$ref);
    const inner = schemaView(target, ctx, depth + 1, new Set([...seen, schema.$ref]));
    return depth >= 2 ? h("details", { class: "schema ref-schema" }, h("summary", {}, link), inner) : h("div", { class: "schema ref-schema" }, h("p", { class: "type" }, link), inner);
  }
  const children = [];
  const props = Object.entries(schema.properties ?? {});
  if (props.length > 0) {
    const required = new Set(schema.required ?? []);
    children.push(
      h(
        "ul",
        { class: "props" },
        props.map(([name, prop]) =>
          h(
            "li",
            {},
            h("code", { class: "prop" }, name),
            required.has(name) ? h("span", { class: "req", title: "required" }, " required") : h("span", { class: "opt" }, " optional"),
            " ",
            h("span", { class: "type" }, typeLabel(prop, ctx)),
            descriptionOf(prop),
            constraints(resolved(prop, ctx)),
            isComplex(prop, ctx) ? schemaView(prop, ctx, depth + 1, seen) : null,
          ),
        ),
      ),
    );
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object" && isComplex(schema.additionalProperties, ctx)) {
    children.push(h("div", { class: "nested" }, h("p", { class: "meta" }, "each value:"), schemaView(schema.additionalProperties, ctx, depth + 1, seen)));
  }
  if (schema.items && isComplex(schema.items, ctx)) children.push(h("div", { class: "nested" }, h("p", { class: "meta" }, "each item:"), schemaView(schema.items, ctx, depth + 1, seen)));
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (!Array.isArray(schema[key])) continue;
    const label = { oneOf: "one of", anyOf: "any of", allOf: "all of" }[key];
    children.push(h("div", { class: "variants" }, h("p", { class: "meta" }, `${label}:`), h("ol", {}, schema[key].map((v) => h("li", {}, schemaView(v, ctx, depth + 1, seen))))));
  }
  const top = depth === 0 || !isComplex(schema, ctx);
  return h(
    "div",
    { class: "schema" },
    top ? h("p", { class: "type" }, typeLabel(schema, ctx), descriptionOf(schema), constraints(schema)) : null,
    children,
  );
}

function isComplex(schema, ctx) {
  const s = resolved(schema, ctx);
  if (!s || typeof s !== "object") return false;
  if (schema.$ref) return true;
  return Boolean(
    (s.properties && Object.keys(s.properties).length > 0) ||
      s.oneOf ||
      s.anyOf ||
      s.allOf ||
      (s.items && isComplex(s.items, ctx)) ||
      (s.additionalProperties && typeof s.additionalProperties === "object" && isComplex(s.additionalProperties, ctx)),
  );
}

function resolved(schema, ctx) {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) s = ctx.resolve(s.$ref);
  return s ?? {};
}

function descriptionOf(schema) {
  return schema.description ? h("span", { class: "desc" }, " – ", inlineText(schema.description)) : null;
}

/** A short type: string, integer | null, array of Neighbor, map of number, one of (…). */
function typeLabel(schema, ctx) {
  if (!schema || typeof schema !== "object") return "any";
  if (schema.$ref) return h("a", { href: `#schema-${slug(refName(schema.$ref))}`, class: "ref" }, refName(schema.$ref));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const nullable = schema.nullable === true || types.includes("null");
  const main = types.filter((t) => t !== "null");
  let label;
  if (schema.const !== undefined) label = `const ${JSON.stringify(schema.const)}`;
  else if (main.includes("array") || schema.items) label = ["array of ", typeLabel(schema.items ?? {}, ctx)];
  else if ((main.includes("object") || schema.additionalProperties) && !schema.properties && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    label = ["map of ", typeLabel(schema.additionalProperties, ctx)];
  } else if (main.length > 0) label = main.join(" | ") + (schema.format ? ` (${schema.format})` : "");
  else if (schema.oneOf || schema.anyOf) label = (schema.oneOf ?? schema.anyOf).length === 2 && (schema.oneOf ?? schema.anyOf).some((s) => s.type === "null") ? [typeLabel((schema.oneOf ?? schema.anyOf).find((s) => s.type !== "null"), ctx), " | null"] : "one of";
  else if (schema.allOf) label = "all of";
  else if (schema.properties) label = "object";
  else label = "any";
  return h("span", { class: "type-label" }, label, nullable && main.length > 0 ? " | null" : "");
}

function constraints(schema) {
  if (!schema || typeof schema !== "object") return null;
  const parts = [];
  if (Array.isArray(schema.enum)) parts.push(["one of ", schema.enum.map((v, i) => [i > 0 ? ", " : "", h("code", {}, JSON.stringify(v))])]);
  if (schema.default !== undefined) parts.push(["default ", h("code", {}, JSON.stringify(schema.default))]);
  for (const [key, label] of [
    ["minimum", "≥"],
    ["exclusiveMinimum", ">"],
    ["maximum", "≤"],
    ["exclusiveMaximum", "<"],
    ["minLength", "min length"],
    ["maxLength", "max length"],
    ["minItems", "min items"],
    ["maxItems", "max items"],
  ]) {
    if (typeof schema[key] === "number") parts.push(`${label} ${schema[key]}`);
  }
  if (schema.pattern) parts.push(["pattern ", h("code", {}, schema.pattern)]);
  if (schema.example !== undefined) parts.push(["example ", h("code", {}, JSON.stringify(schema.example))]);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) parts.push(["example ", h("code", {}, JSON.stringify(schema.examples[0]))]);
  if (parts.length === 0) return null;
  return h("span", { class: "constraints" }, " (", parts.map((p, i) => [i > 0 ? "; " : "", p]), ")");
}

/** A plausible instance of a JSON schema, for the request and response examples. */
function exampleOf(schema, ctx, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 6) return undefined;
  if (schema.$ref) return exampleOf(ctx.resolve(schema.$ref), ctx, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return exampleOf(alternatives.find((a) => a.type !== "null") ?? alternatives[0], ctx, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s, ctx, depth + 1)).filter((v) => v && typeof v === "object"));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "object" || schema.properties) {
    const out = {};
    for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = exampleOf(v, ctx, depth + 1);
    if (schema.additionalProperties && typeof schema.additionalProperties === "object" && !schema.properties) out.key = exampleOf(schema.additionalProperties, ctx, depth + 1);
    return out;
  }
  if (type === "array") return [exampleOf(schema.items ?? {}, ctx, depth + 1)];
  if (type === "string") return schema.format === "date-time" ? new Date(0).toISOString() : "string";
  if (type === "integer") return schema.minimum ?? 0;
  if (type === "number") return schema.minimum ?? 0;
  if (type === "boolean") return true;
  return undefined;
}

/** Vendor extensions (x-…) shown as JSON, so whatever the document carries is visible. */
function extensionsView(object, where) {
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
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, value.map((row) => h("tr", {}, columns.map((c) => h("td", {}, cellText(row[c])))))),
    );
  }
  return h("pre", {}, h("code", {}, JSON.stringify(value, null, 2)));
}

const cellText = (v) => (v === undefined ? "" : typeof v === "string" || typeof v === "number" ? String(v) : JSON.stringify(v));

function inlineText(text) {
  if (!text) return null;
  const md = markdown(text);
  // One paragraph reads better inline.
  return md.childElementCount === 1 && md.firstElementChild.tagName === "P" ? [...md.firstElementChild.childNodes] : md;
}

function methodBadge(method) {
  return h("span", { class: `method m-${method}` }, method.toUpperCase());
}

function resolveRef(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return {};
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = node?.[key];
  }
  return node ?? {};
}

const refName = (ref) => decodeURIComponent(String(ref).split("/").pop() ?? ref).replace(/~1/g, "/").replace(/~0/g, "~");
const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

void start();
