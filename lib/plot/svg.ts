/**
 * Self-contained SVG line charts (no scripts, fonts or network requests): title, labelled axes with "nice"
 * ticks and units, one marker per point, dashed series for reference lines, a legend. Replaces the lab's
 * matplotlib figures.
 */

import { SVG_MARK } from "../io/replace.ts";

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Reference lines (e.g. the ideal speedup) are drawn dashed, without markers. */
  dashed?: boolean;
  color?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Force the y axis to start at zero (default true). */
  yFromZero?: boolean;
  /** Optional text under the title. */
  subtitle?: string;
}

const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Evenly spaced round tick values covering [min, max] (about `count` of them). */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function label(value: number): string {
  if (Math.abs(value) >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (Math.abs(value) >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

/** An SVG document (a string) with one line per series. */
export function lineChart(options: ChartOptions): string {
  const { title, xLabel, yLabel, series, width = 800, height = 450, yFromZero = true, subtitle } = options;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xTicks = niceTicks(Math.min(...xs, xs.length ? xs[0] : 0), Math.max(...xs, 1));
  const yTicks = niceTicks(
    yFromZero ? Math.min(0, ...ys) : Math.min(...ys),
    Math.max(...ys, yFromZero ? 1 : -Infinity),
  );
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const left = 80, right = 24, top = subtitle ? 64 : 48, bottom = 64;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const px = (x: number) => left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number) => top + plotH - (y1 === y0 ? plotH / 2 : ((y - y0) / (y1 - y0)) * plotH);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" ${SVG_MARK} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${
      escape(title)
    }</text>`,
  );
  if (subtitle) {
    out.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`);
  }
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    out.push(
      `<line x1="${x}" x2="${x}" y1="${top + plotH}" y2="${top + plotH + 5}" stroke="#333"/>`,
      `<text x="${x}" y="${top + plotH + 20}" text-anchor="middle">${label(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${height - 16}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(20 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${
      escape(yLabel)
    }</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const path = s.points.map((p, k) => `${k ? "L" : "M"}${px(p[0]).toFixed(1)} ${py(p[1]).toFixed(1)}`).join(
      " ",
    );
    out.push(
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="6 4"' : ""
      }/>`,
    );
    if (!s.dashed) {
      for (const p of s.points) {
        out.push(
          `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${color}"><title>${
            escape(`${s.name}: ${label(p[0])}, ${label(p[1])}`)
          }</title></circle>`,
        );
      }
    }
    const ly = top + 8 + i * 18;
    out.push(
      `<line x1="${left + 12}" x2="${left + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="6 4"' : ""
      }/>`,
      `<text x="${left + 42}" y="${ly}" dominant-baseline="middle">${escape(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
