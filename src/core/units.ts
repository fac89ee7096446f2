// Resource quantities as written in plugin.yaml (memory, cpu, timeout) -> plain numbers.
// Each parser throws a plain Error whose message says what was wrong and what to write
// instead; the manifest validator prefixes it with the field's path.

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  K: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const MEMORY_RE = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/;
const CPU_MILLI_RE = /^(\d+)m$/;
const CPU_CORES_RE = /^\d+(?:\.\d+)?$/;
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

const MEMORY_HINT = 'use Ki, Mi, Gi, K, M, G or a byte count';
const CPU_HINT = 'use millicores like 500m or cores like 2 or 0.5';
const DURATION_HINT = 'use ms, s, m or h, e.g. 250ms or 5s, or a number of milliseconds';

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A finished quantity must be a whole, positive, safe integer. */
function checkWhole(result: number, input: unknown, what: string): number {
  if (!Number.isFinite(result) || result <= 0) {
    throw new Error(`${show(input)} must be greater than 0`);
  }
  if (!Number.isSafeInteger(result)) {
    throw new Error(
      Number.isInteger(result)
        ? `${show(input)} is too large`
        : `${show(input)} is not a whole number of ${what}`,
    );
  }
  return result;
}

/** Memory in bytes: `64Mi` (1024-based), `64M` (1000-based), or a plain byte count. */
export function parseMemory(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`${show(v)} is not a whole number of bytes (${MEMORY_HINT})`);
    return checkWhole(v, v, 'bytes');
  }
  if (typeof v !== 'string') throw new Error(`${show(v)} is not a quantity (${MEMORY_HINT})`);
  const m = MEMORY_RE.exec(v.trim());
  if (!m) throw new Error(`${show(v)} is not a quantity (${MEMORY_HINT})`);
  const [, amount, unit] = m;
  if (unit === undefined && amount.includes('.')) {
    throw new Error(`${show(v)} is not a whole number of bytes (${MEMORY_HINT})`);
  }
  return checkWhole(snap(Number(amount) * (unit === undefined ? 1 : MEMORY_UNITS[unit])), v, 'bytes');
}

/** CPU in millicores: `500m` -> 500, `2` -> 2000, `0.5` (or the number 0.5) -> 500. */
export function parseCpu(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${show(v)} is not a cpu quantity (${CPU_HINT})`);
    return checkWhole(snap(v * 1000), v, 'millicores (1m is the finest step)');
  }
  if (typeof v !== 'string') throw new Error(`${show(v)} is not a cpu quantity (${CPU_HINT})`);
  const s = v.trim();
  const milli = CPU_MILLI_RE.exec(s);
  if (milli) return checkWhole(Number(milli[1]), v, 'millicores');
  if (CPU_CORES_RE.test(s)) return checkWhole(snap(Number(s) * 1000), v, 'millicores (1m is the finest step)');
  throw new Error(`${show(v)} is not a cpu quantity (${CPU_HINT})`);
}

/** Duration in milliseconds: `250ms`, `5s`, `1m`, `1h`, or a plain number of ms. */
export function parseDuration(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${show(v)} is not a duration (${DURATION_HINT})`);
    return checkWhole(v, v, 'milliseconds');
  }
  if (typeof v !== 'string') throw new Error(`${show(v)} is not a duration (${DURATION_HINT})`);
  const m = DURATION_RE.exec(v.trim());
  if (!m) throw new Error(`${show(v)} is not a duration (${DURATION_HINT})`);
  const [, amount, unit] = m;
  return checkWhole(snap(Number(amount) * DURATION_UNITS[unit ?? 'ms']), v, 'milliseconds');
}

/**
 * Undo binary floating point noise (0.1 * 3 * 1000 = 300.00000000000006) without hiding a
 * genuinely fractional result (0.0005 cores = 0.5m stays fractional and is refused).
 */
function snap(x: number): number {
  const r = Math.round(x);
  const tolerance = Math.max(1e-6, Math.abs(x) * Number.EPSILON * 8);
  return Math.abs(x - r) < tolerance ? r : x;
}

/** Bytes for people: `512 B`, `64 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = Math.abs(bytes);
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  const sign = bytes < 0 ? '-' : '';
  const text = i === 0 || Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${sign}${text} ${units[i]}`;
}
