// Colours of the coverage view that stay apart for people with colour-vision deficiency: the rate
// classes are one lightness ramp (dark brown = low coverage → pale yellow = full), the walking
// areas blue, the gaps dark slate with a hatch, suggested sites reddish purple (Okabe–Ito). The
// simulation below (Machado, Oliveira & Fernandes 2009, severity 1.0, on linear RGB) is what the
// tests use to check every pair stays distinguishable.

/** Coverage-rate classes of the choropleth (covered households %), worst first. */
export const RATE_CLASSES = [
  { min: 0, color: "#8c2d04" },
  { min: 50, color: "#d94801" },
  { min: 80, color: "#fd8d3c" },
  { min: 95, color: "#fdd0a2" },
  { min: 100, color: "#fff5eb" },
];

/** The coverage layers' own colours. */
export const COVERAGE_COLORS = {
  circle: "#0072b2", // walking service areas (blue)
  straight: "#56b4e9", // straight-line circles, dashed (sky blue)
  gap: "#1f2933", // gaps with households (dark slate, hatched)
  suggest: "#cc79a7", // suggested sites (reddish purple)
};

const MATRICES = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

const toLinear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (c) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

/** "#rrggbb" → [r, g, b] in 0–1. */
export function rgbOf(hex) {
  const n = parseInt(hex.replace("#", ""), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => v / 255);
}

/** The colour as seen with the given deficiency ("protanopia", "deuteranopia", "tritanopia"). */
export function simulate(hex, kind) {
  const lin = rgbOf(hex).map(toLinear);
  const m = MATRICES[kind];
  return m.map((row) => toSrgb(Math.min(1, Math.max(0, row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]))));
}

/** CIE L*a*b* (D65) of an sRGB triple in 0–1. */
export function lab(rgb) {
  const [r, g, b] = rgb.map(toLinear);
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ].map((v) => (v > 0.008856 ? Math.cbrt(v) : 7.787 * v + 16 / 116));
  return [116 * xyz[1] - 16, 500 * (xyz[0] - xyz[1]), 200 * (xyz[1] - xyz[2])];
}

/** CIE76 colour difference of two sRGB triples (≈ 2.3 is just noticeable; > 10 clearly apart). */
export function deltaE(a, b) {
  const [x, y] = [lab(a), lab(b)];
  return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
}

/** The smallest difference between any two of `hexes` as seen normally and with each deficiency. */
export function worstPair(hexes) {
  let worst = { deltaE: Infinity };
  for (const kind of ["normal", ...Object.keys(MATRICES)]) {
    const seen = hexes.map((h) => (kind === "normal" ? rgbOf(h) : simulate(h, kind)));
    for (let i = 0; i < hexes.length; i++) {
      for (let j = i + 1; j < hexes.length; j++) {
        const d = deltaE(seen[i], seen[j]);
        if (d < worst.deltaE) worst = { deltaE: d, a: hexes[i], b: hexes[j], kind };
      }
    }
  }
  return worst;
}
