// A small, safe Markdown subset for OpenAPI descriptions: paragraphs, headings,
// lists, tables, fenced code, `code`, **bold**, *emphasis* and links. It builds
// DOM nodes, never HTML strings, so a description cannot inject markup.
import { h } from "./dom.js";

export function markdown(text) {
  const out = h("div", { class: "md" });
  if (!text) return out;
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = /^\s*```/.exec(line);
    if (fence) {
      const code = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
      i++;
      out.append(h("pre", {}, h("code", {}, code.join("\n"))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.append(h(`h${Math.min(6, heading[1].length + 3)}`, {}, inline(heading[2])));
      i++;
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
      const head = cells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && isTableRow(lines[i])) rows.push(cells(lines[i++]));
      out.append(
        h(
          "table",
          { class: "md-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              head.map((c) => h("th", { scope: "col" }, inline(c))),
            ),
          ),
          h(
            "tbody",
            {},
            rows.map((r) =>
              h(
                "tr",
                {},
                head.map((_, k) => h("td", {}, inline(r[k] ?? ""))),
              ),
            ),
          ),
        ),
      );
      continue;
    }
    const bullet = /^\s*([-*+]|\d+[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items = [];
      while (i < lines.length && lines[i].trim() !== "") {
        if (bullet.test(lines[i])) items.push(lines[i].replace(bullet, ""));
        else items[items.length - 1] += ` ${lines[i].trim()}`;
        i++;
      }
      out.append(
        h(
          ordered ? "ol" : "ul",
          {},
          items.map((it) => h("li", {}, inline(it))),
        ),
      );
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() !== "" && !/^\s*```/.test(lines[i]) && !/^#{1,6}\s/.test(lines[i]) && !bullet.test(lines[i]) && !isTableRow(lines[i]))
      para.push(lines[i++].trim());
    if (para.length === 0) para.push(lines[i++].trim());
    out.append(h("p", {}, inline(para.join(" "))));
  }
  return out;
}

const isTableRow = (line) => /^\s*\|.*\|\s*$/.test(line);
const cells = (line) =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, "|"));

const inlinePattern = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\[[^\]]+\]\([^)\s]+\))|(\*[^*\s][^*]*\*|\b_[^_\s][^_]*_\b)/;

/** Inline markup: code spans first, so their content is left alone. */
export function inline(text) {
  const nodes = [];
  let rest = String(text);
  while (rest) {
    const m = inlinePattern.exec(rest);
    if (!m) {
      nodes.push(rest);
      break;
    }
    if (m.index > 0) nodes.push(rest.slice(0, m.index));
    const token = m[0];
    if (m[1]) nodes.push(h("code", {}, token.slice(1, -1)));
    else if (m[2]) nodes.push(h("strong", {}, inline(token.slice(2, -2))));
    else if (m[3]) {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      nodes.push(/^(https?:\/\/|\/|#)/i.test(href) ? h("a", { href }, inline(label)) : label);
    } else nodes.push(h("em", {}, inline(token.slice(1, -1))));
    rest = rest.slice(m.index + token.length);
  }
  return nodes;
}

/** Markdown for inline places: a single paragraph comes back as its inline nodes. */
export function inlineMarkdown(text) {
  if (!text) return null;
  const md = markdown(text);
  return md.childElementCount === 1 && md.firstElementChild.tagName === "P" ? [...md.firstElementChild.childNodes] : md;
}
