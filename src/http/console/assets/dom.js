// Tiny DOM helpers shared by the console and the docs page. Everything is built
// with createElement and text nodes (never innerHTML), so API data cannot inject markup.

/**
 * h("button", { class: "primary", onclick: save }, "Save")
 * Attributes: `on*` functions become listeners, `true` sets a boolean attribute,
 * `false`, null and undefined are left out. Children may be nested arrays, strings, numbers or nodes.
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

const svgNs = "http://www.w3.org/2000/svg";

/** The same as h() for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(svgNs, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) el.value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const uid = { n: 0 };
/** A document-unique id for label/aria wiring. */
export function nextId(prefix) {
  uid.n += 1;
  return `${prefix}-${uid.n}`;
}

export const fmt = {
  pct: (x, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "–"),
  num: (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : "–"),
  int: (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–"),
  ms: (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "–"),
  time: (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  },
};
