// The API reference, rendered in the browser from this service's /openapi.json:
// operations grouped by tag, parameters, request and response schemas with
// $refs resolved, security, and the components. Nothing is fetched from elsewhere.
import { h, replace } from "./dom.js";
import { markdown } from "./markdown.js";
import { describeScheme, extensionsView, methodBadge, operationView } from "./openapi-operation.js";
import { resolveRef, schemaView, slug } from "./openapi-schema.js";

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
          h(
            "ul",
            {},
            g.ops.map((op) => h("li", {}, h("a", { href: `#${op.anchor}` }, methodBadge(op.method), " ", h("span", { class: "path" }, op.path)))),
          ),
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

function securitySchemesView(doc, ctx) {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  if (schemes.length === 0) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "auth-title" },
    h("h2", { id: "auth-title" }, "Authentication"),
    h(
      "dl",
      { class: "facts" },
      schemes.map(([name, raw]) => {
        const scheme = raw.$ref ? ctx.resolve(raw.$ref) : raw;
        return [h("dt", {}, h("code", {}, name)), h("dd", {}, describeScheme(scheme), markdown(scheme.description))];
      }),
    ),
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
            ? h(
                "ul",
                {},
                Object.entries(s.variables).map(([k, v]) =>
                  h("li", {}, h("code", {}, `{${k}}`), ` default ${v.default}`, v.enum ? `, one of ${v.enum.join(", ")}` : "", v.description ? ` – ${v.description}` : ""),
                ),
              )
            : null,
        ),
      ),
    ),
  );
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

void start();
