// Small SVG charts: stacked bars and lines over time buckets. Colours come from
// CSS classes (c0…c7), never inline styles, so the page runs under a strict CSP.
import { h, s } from "./dom.js";

const W = 720;
const H = 220;
const M = { left: 48, right: 12, top: 12, bottom: 28 };
const plotW = W - M.left - M.right;
const plotH = H - M.top - M.bottom;

/**
 * Stacked bars, one per bucket.
 * buckets: [{ label, title, segments: [{ key, value, cls }] }]
 * yMax: the axis top (1 for shares); format: tick and tooltip formatter.
 */
export function stackedBarChart({ label, buckets, yMax, format, emptyText = "No requests in this window" }) {
  const top = yMax ?? niceMax(Math.max(0, ...buckets.map((b) => b.segments.reduce((n, seg) => n + seg.value, 0))));
  const svg = frame(label, top, format);
  const band = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, Math.min(40, band * 0.72));
  let drawn = 0;
  buckets.forEach((b, i) => {
    let y = M.top + plotH;
    const x = M.left + i * band + (band - barW) / 2;
    const group = s("g", { class: "bucket", "data-bucket": i });
    for (const seg of b.segments) {
      if (!(seg.value > 0)) continue;
      const height = (seg.value / top) * plotH;
      y -= height;
      group.append(
        s(
          "rect",
          { class: `bar ${seg.cls}`, x: fixed(x), y: fixed(y), width: fixed(barW), height: fixed(Math.max(height, 0.5)), "data-key": seg.key, "data-value": seg.value },
          s("title", {}, `${b.title}: ${seg.key} ${format(seg.value)}`),
        ),
      );
      drawn += 1;
    }
    svg.append(group);
  });
  xLabels(svg, buckets, band);
  if (drawn === 0) svg.append(emptyNote(emptyText));
  return svg;
}

/**
 * A line over buckets; null values (no requests) break the line.
 * buckets: [{ label, title, value }]
 */
export function lineChart({ label, buckets, yMax = 1, format, cls = "c1", emptyText = "No requests in this window" }) {
  const svg = frame(label, yMax, format);
  const band = plotW / Math.max(1, buckets.length);
  const xOf = (i) => M.left + i * band + band / 2;
  const yOf = (v) => M.top + plotH - (Math.min(Math.max(v, 0), yMax) / yMax) * plotH;
  let d = "";
  let pen = false;
  const points = [];
  buckets.forEach((b, i) => {
    if (b.value === null || b.value === undefined || !Number.isFinite(b.value)) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${fixed(xOf(i))},${fixed(yOf(b.value))}`;
    pen = true;
    points.push(s("circle", { class: `point ${cls}`, cx: fixed(xOf(i)), cy: fixed(yOf(b.value)), r: 3, "data-value": b.value }, s("title", {}, `${b.title}: ${format(b.value)}`)));
  });
  if (d) svg.append(s("path", { class: `line ${cls}`, d }));
  svg.append(...points);
  xLabels(svg, buckets, band);
  if (points.length === 0) svg.append(emptyNote(emptyText));
  return svg;
}

/** A legend: swatch, name and an optional total per series. */
export function legend(items) {
  return h(
    "ul",
    { class: "legend" },
    items.map((it) =>
      h("li", {}, h("span", { class: `swatch ${it.cls}`, "aria-hidden": "true" }), it.label, it.total !== undefined ? h("span", { class: "muted" }, ` ${it.total}`) : null),
    ),
  );
}

function frame(label, top, format) {
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label }, s("title", {}, label));
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    const y = M.top + plotH - (i / 4) * plotH;
    svg.append(s("line", { class: i === 0 ? "axis" : "grid", x1: M.left, x2: W - M.right, y1: fixed(y), y2: fixed(y) }));
    svg.append(s("text", { class: "tick", x: M.left - 6, y: fixed(y + 4), "text-anchor": "end" }, format(v, true)));
  }
  return svg;
}

function xLabels(svg, buckets, band) {
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  buckets.forEach((b, i) => {
    if (i % every !== 0) return;
    svg.append(s("text", { class: "tick", x: fixed(M.left + i * band + band / 2), y: H - 8, "text-anchor": "middle" }, b.label));
  });
}

function emptyNote(text) {
  return s("text", { class: "empty-note", x: M.left + plotW / 2, y: M.top + plotH / 2, "text-anchor": "middle" }, text);
}

/** An axis top of four equal steps, each 1, 2, 2.5 or 5 times a power of ten (whole steps for counts). */
export function niceMax(max) {
  if (!(max > 0)) return 4;
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= raw && (v >= 1 ? Number.isInteger(v) : true)) ?? 10 * p;
  return Math.max(1, step) * 4;
}

const fixed = (n) => Math.round(n * 10) / 10;
