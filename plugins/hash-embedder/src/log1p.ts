// log(1 + x) for x >= 0 using only +, -, *, / in a fixed order. Math.log1p is not used on
// purpose: engines (V8, AssemblyScript's std, libm) may differ in the last bit, and the
// hash-embedder promises bit-identical vectors across its TypeScript and WebAssembly builds.
// IEEE-754 double arithmetic is correctly rounded everywhere, so this function is too.
//
// Method: 1 + x = m * 2^k with m in [sqrt(2)/2, sqrt(2)) (here m >= 1 - since x >= 0 - so
// m in [1, sqrt 2)); log(1 + x) = k*ln2 + log(1 + f) with f = m - 1 (or f = x when k = 0),
// and log(1 + f) = 2*atanh(s) = 2*s*(1 + z/3 + z^2/5 + ...), s = f / (2 + f), z = s*s,
// with 12 terms (|s| <= 0.172, z^12 < 1e-18: the series error is below double rounding).

const SQRT2 = 1.4142135623730951; // Math.SQRT2
const LN2 = 0.6931471805599453; // Math.LN2
const TERMS = 12;

export function portableLog1p(x: number): number {
  if (!(x > 0)) return 0; // the embedder only calls it with x >= 0; 0 (and NaN) map to 0
  let k = 0;
  let f = x;
  const y = 1 + x;
  if (y >= SQRT2) {
    let m = y;
    while (m >= SQRT2) {
      m = m / 2; // exact: a power-of-two scaling
      k = k + 1;
    }
    f = m - 1; // exact (Sterbenz): m is in [sqrt(2)/2, sqrt(2))
  }
  const s = f / (2 + f);
  const z = s * s;
  // Horner from the highest term: p = 1/1 + z*(1/3 + z*(1/5 + ... + z*(1/23)))
  let p = 1 / (2 * (TERMS - 1) + 1);
  for (let j = TERMS - 2; j >= 0; j--) p = 1 / (2 * j + 1) + z * p;
  return k * LN2 + 2 * s * p;
}
