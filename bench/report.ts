/** The benchmark's table: one row per figure, the median of its rounds with the spread beside it. */

export interface Row {
  target: string;
  metric: string;
  /** One value per round or repetition; the table shows the median and min–max. */
  values?: number[];
  /** A figure already formatted (several numbers in one cell). */
  text?: string;
  /** The target for this figure, checked against the median. */
  goal?: { max?: number; min?: number };
  /** Met or missed, when the figure is not a single number. */
  pass?: boolean;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Three significant digits, no exponent. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "–";
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString("en-US");
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

export function markdown(rows: Row[], header: string[]): string {
  const lines = [...header.map((h) => `${h}  `), "", "| target | figure | median | spread (min – max, n) | goal | met |", "|---|---|---:|---|---|---|"];
  for (const r of rows) {
    let value = r.text ?? "";
    let spread = "";
    let met = r.pass === undefined ? "" : r.pass ? "yes" : "**no**";
    if (r.values) {
      const m = percentile(r.values, 0.5);
      value = fmt(m);
      spread = r.values.length > 1 ? `${fmt(Math.min(...r.values))} – ${fmt(Math.max(...r.values))}, n=${r.values.length}` : "n=1";
      if (r.goal) {
        const ok = (r.goal.max === undefined || m <= r.goal.max) && (r.goal.min === undefined || m >= r.goal.min);
        met = ok ? "yes" : "**no**";
      }
    }
    const goal = r.goal ? [r.goal.min !== undefined ? `≥ ${r.goal.min}` : "", r.goal.max !== undefined ? `≤ ${r.goal.max}` : ""].join("") : r.pass !== undefined ? "see figure" : "";
    lines.push(`| ${r.target} | ${r.metric} | ${value} | ${spread} | ${goal} | ${met} |`);
  }
  return lines.join("\n");
}
