// Quantile classes for a choropleth: at most `k` classes holding about equal numbers of units.

/** Upper bounds of the classes of `values` (finite numbers); the last bound is the maximum. */
export function quantileBreaks(values, k = 5) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return { min: null, uppers: [] };
  const n = sorted.length;
  const uppers = [];
  for (let i = 1; i <= k; i += 1) {
    const upper = i === k ? sorted[n - 1] : sorted[Math.max(0, Math.ceil((i * n) / k) - 1)];
    if (!uppers.length || upper > uppers[uppers.length - 1]) uppers.push(upper);
  }
  return { min: sorted[0], uppers };
}

/** The class index of `v` (0-based), or -1 when missing. */
export function classOf(v, uppers) {
  if (!Number.isFinite(v)) return -1;
  for (let i = 0; i < uppers.length; i += 1) if (v <= uppers[i]) return i;
  return uppers.length - 1;
}

// ColorBrewer YlGn, a sequential green palette; fewer classes take the darker end's spread.
const YLGN = {
  1: ["#41ab5d"],
  2: ["#c2e699", "#31a354"],
  3: ["#f7fcb9", "#addd8e", "#31a354"],
  4: ["#ffffcc", "#c2e699", "#78c679", "#238443"],
  5: ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"],
};

export function palette(count) {
  return YLGN[Math.max(1, Math.min(5, count))];
}
