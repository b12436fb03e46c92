// JSON Schema as HTML for the API reference: a type line, constraints and a tree of
// properties, items and alternatives, with $refs resolved (and linked) and cycles cut.
import { h } from "./dom.js";
import { inlineMarkdown } from "./markdown.js";

/**
 * A schema as a tree: the type line, its description and constraints, then
 * properties, array items or alternatives. A $ref shows the component's name
 * (linked) with the referenced schema expanded; a cycle stops at the link.
 */
export function schemaView(schema, ctx, depth, seen) {
  if (!schema || typeof schema !== "object") return null;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const link = h("a", { href: `#schema-${slug(name)}`, class: "ref" }, name);
    if (seen.has(schema.$ref) || depth > 8) return h("div", { class: "schema" }, h("p", { class: "type" }, link, seen.has(schema.$ref) ? " (recursive)" : ""));
    const target = ctx.resolve(schema.$ref);
    const inner = schemaView(target, ctx, depth + 1, new Set([...seen, schema.$ref]));
    return depth >= 2
      ? h("details", { class: "schema ref-schema" }, h("summary", {}, link), inner)
      : h("div", { class: "schema ref-schema" }, h("p", { class: "type" }, link), inner);
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
  if (schema.items && isComplex(schema.items, ctx))
    children.push(h("div", { class: "nested" }, h("p", { class: "meta" }, "each item:"), schemaView(schema.items, ctx, depth + 1, seen)));
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (!Array.isArray(schema[key])) continue;
    const label = { oneOf: "one of", anyOf: "any of", allOf: "all of" }[key];
    children.push(
      h(
        "div",
        { class: "variants" },
        h("p", { class: "meta" }, `${label}:`),
        h(
          "ol",
          {},
          schema[key].map((v) => h("li", {}, schemaView(v, ctx, depth + 1, seen))),
        ),
      ),
    );
  }
  const top = depth === 0 || !isComplex(schema, ctx);
  return h("div", { class: "schema" }, top ? h("p", { class: "type" }, typeLabel(schema, ctx), descriptionOf(schema), constraints(schema)) : null, children);
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

export function resolved(schema, ctx) {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) s = ctx.resolve(s.$ref);
  return s ?? {};
}

function descriptionOf(schema) {
  return schema.description ? h("span", { class: "desc" }, " – ", inlineMarkdown(schema.description)) : null;
}

/** A short type: string, integer | null, array of Neighbor, map of number, one of (…). */
export function typeLabel(schema, ctx) {
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
  else if (schema.oneOf || schema.anyOf)
    label =
      (schema.oneOf ?? schema.anyOf).length === 2 && (schema.oneOf ?? schema.anyOf).some((s) => s.type === "null")
        ? [
            typeLabel(
              (schema.oneOf ?? schema.anyOf).find((s) => s.type !== "null"),
              ctx,
            ),
            " | null",
          ]
        : "one of";
  else if (schema.allOf) label = "all of";
  else if (schema.properties) label = "object";
  else label = "any";
  return h("span", { class: "type-label" }, label, nullable && main.length > 0 ? " | null" : "");
}

export function constraints(schema) {
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
  return h(
    "span",
    { class: "constraints" },
    " (",
    parts.map((p, i) => [i > 0 ? "; " : "", p]),
    ")",
  );
}

/** A plausible instance of a JSON schema, for the request and response examples. */
export function exampleOf(schema, ctx, depth = 0) {
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

export function resolveRef(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return {};
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = node?.[key];
  }
  return node ?? {};
}

export const refName = (ref) =>
  decodeURIComponent(String(ref).split("/").pop() ?? ref)
    .replace(/~1/g, "/")
    .replace(/~0/g, "~");

export const slug = (s) =>
  String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
