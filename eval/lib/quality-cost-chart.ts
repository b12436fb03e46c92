/**
 * A quality-versus-cost chart as a standalone SVG, written by hand: a few
 * lines and markers need no plotting library. x is the cost relative to
 * always-premium, y the quality (share routed at or above its label).
 */
export interface ChartSeries {
  name: string;
  points: ReadonlyArray<{ relativeCost: number; quality: number }>;
  color: string;
  /** "line" joins points in cost order; "points" draws markers only. */
  style: "line" | "points";
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Lowest quality on the y axis; defaults to just under the lowest point, rounded to 0.05. */
  yMin?: number;
  /** Horizontal guide line, e.g. the target quality. */
  targetQuality?: number;
  /** Vertical guide line, e.g. the cost budget. */
  costBudget?: number;
}

const pad = { left: 64, right: 24, top: 44, bottom: 52 };

export function renderQualityCostChart(series: readonly ChartSeries[], options: ChartOptions = {}): string {
  const width = options.width ?? 760;
  const height = options.height ?? 520;
  const all = series.flatMap((s) => s.points);
  const lowest = Math.min(1, ...all.map((p) => p.quality), options.targetQuality ?? 1);
  const yMin = options.yMin ?? Math.max(0, Math.floor((lowest - 0.02) * 20) / 20);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (cost: number) => pad.left + clamp(cost, 0, 1) * plotW;
  const y = (q: number) => pad.top + (1 - (clamp(q, yMin, 1) - yMin) / (1 - yMin)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`);

  for (let i = 0; i <= 10; i++) {
    const cost = i / 10;
    parts.push(`<line x1="${f(x(cost))}" y1="${pad.top}" x2="${f(x(cost))}" y2="${pad.top + plotH}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${f(x(cost))}" y="${pad.top + plotH + 18}" text-anchor="middle">${cost.toFixed(1)}</text>`);
  }
  const ySteps = Math.round((1 - yMin) / 0.05);
  for (let i = 0; i <= ySteps; i++) {
    const q = yMin + (i * (1 - yMin)) / ySteps;
    parts.push(`<line x1="${pad.left}" y1="${f(y(q))}" x2="${pad.left + plotW}" y2="${f(y(q))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${pad.left - 8}" y="${f(y(q) + 4)}" text-anchor="end">${q.toFixed(2)}</text>`);
  }
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${pad.left + plotW / 2}" y="${height - 12}" text-anchor="middle">cost relative to always-premium</text>`);
  parts.push(`<text transform="translate(16 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">quality (share routed at or above its label)</text>`);
  if (options.targetQuality !== undefined && options.targetQuality >= yMin) {
    const ty = f(y(options.targetQuality));
    parts.push(`<line x1="${pad.left}" y1="${ty}" x2="${pad.left + plotW}" y2="${ty}" stroke="#999" stroke-dasharray="2 3"/>`);
  }
  if (options.costBudget !== undefined) {
    const bx = f(x(options.costBudget));
    parts.push(`<line x1="${bx}" y1="${pad.top}" x2="${bx}" y2="${pad.top + plotH}" stroke="#999" stroke-dasharray="2 3"/>`);
  }

  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.relativeCost - b.relativeCost || a.quality - b.quality);
    if (s.style === "line" && pts.length > 1) {
      const coords = pts.map((p) => `${f(x(p.relativeCost))},${f(y(p.quality))}`).join(" ");
      const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
      parts.push(`<polyline points="${coords}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    } else {
      for (const p of pts) parts.push(`<circle cx="${f(x(p.relativeCost))}" cy="${f(y(p.quality))}" r="4" fill="${s.color}"/>`);
    }
  }

  // Legend in the bottom-right corner (high cost, low quality: where no useful curve goes), on a white box.
  const charWidth = 6.6; // average glyph width of 12px sans-serif, enough to size the box
  const legendW = 44 + Math.max(...series.map((s) => s.name.length)) * charWidth;
  const legendH = 10 + series.length * 18;
  const lx = pad.left + plotW - legendW - 8;
  const ly0 = pad.top + plotH - legendH - 8;
  parts.push(`<rect x="${f(lx)}" y="${f(ly0)}" width="${f(legendW)}" height="${legendH}" fill="white" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const ly = ly0 + 14 + i * 18;
    const mx = lx + 8;
    const mark =
      s.style === "line"
        ? `<line x1="${f(mx)}" y1="${ly}" x2="${f(mx + 22)}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`
        : `<circle cx="${f(mx + 11)}" cy="${ly}" r="4" fill="${s.color}"/>`;
    parts.push(`${mark}<text x="${f(mx + 30)}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}
