import type { DailyPoint } from "./daily-series.js";

const palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/**
 * An SVG of daily traffic: stacked bars of the tier mix (share of requests)
 * with the cache hit rate as a line over them, both on a 0-100 % axis.
 */
export function renderDailyChart(points: readonly DailyPoint[], tiers: readonly string[], title = "tierline: daily tier mix and cache hit rate"): string {
  const width = 760;
  const height = 360;
  const m = { top: 40, right: 130, bottom: 50, left: 50 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const n = Math.max(points.length, 1);
  const slot = w / n;
  const bar = Math.max(2, slot * 0.7);
  const y = (share: number) => m.top + h - share * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${m.left}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y(tick) + 4}" text-anchor="end">${Math.round(tick * 100)}%</text>`);
  }
  points.forEach((p, i) => {
    const x = m.left + i * slot + (slot - bar) / 2;
    let acc = 0;
    tiers.forEach((tier, t) => {
      const share = p.requests === 0 ? 0 : (p.tiers[tier] ?? 0) / p.requests;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(acc + share).toFixed(1)}" width="${bar.toFixed(1)}" height="${(share * h).toFixed(1)}" fill="${palette[t % palette.length]}" opacity="0.75"><title>${esc(`${p.day} ${tier}: ${p.tiers[tier] ?? 0}`)}</title></rect>`,
      );
      acc += share;
    });
    if (n <= 31 || i % Math.ceil(n / 31) === 0) {
      parts.push(
        `<text x="${(x + bar / 2).toFixed(1)}" y="${m.top + h + 14}" text-anchor="end" transform="rotate(-40 ${(x + bar / 2).toFixed(1)} ${m.top + h + 14})">${p.day}</text>`,
      );
    }
  });
  const line = points.map((p, i) => `${(m.left + i * slot + slot / 2).toFixed(1)},${y(p.hitRate).toFixed(1)}`).join(" ");
  if (points.length > 0) {
    parts.push(`<polyline points="${line}" fill="none" stroke="black" stroke-width="2"/>`);
    for (const pt of line.split(" ")) {
      const [cx, cy] = pt.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="black"/>`);
    }
  } else {
    parts.push(`<text x="${m.left + w / 2}" y="${m.top + h / 2}" text-anchor="middle">no traffic in this window</text>`);
  }
  const lx = m.left + w + 16;
  tiers.forEach((tier, t) => {
    parts.push(`<rect x="${lx}" y="${m.top + t * 18}" width="12" height="12" fill="${palette[t % palette.length]}" opacity="0.75"/>`);
    parts.push(`<text x="${lx + 18}" y="${m.top + t * 18 + 10}">${esc(tier)} share</text>`);
  });
  const ly = m.top + tiers.length * 18 + 8;
  parts.push(`<line x1="${lx}" x2="${lx + 12}" y1="${ly + 6}" y2="${ly + 6}" stroke="black" stroke-width="2"/>`);
  parts.push(`<text x="${lx + 18}" y="${ly + 10}">cache hit rate</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}
