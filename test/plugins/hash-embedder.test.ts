import { readFileSync } from 'node:fs';
import t from 'tap';
import plugin from '../../plugins/hash-embedder/src/index.js';
import { DEFAULT_CONFIG, parseConfig } from '../../plugins/hash-embedder/src/config.js';
import type { EmbedderConfig } from '../../plugins/hash-embedder/src/config.js';
import { embed, featureCounts } from '../../plugins/hash-embedder/src/embed.js';
import { fnv1a32 } from '../../plugins/hash-embedder/src/fnv.js';
import { portableLog1p } from '../../plugins/hash-embedder/src/log1p.js';
import { asciiLowercaseBytes, isTokenByte, tokenizeUtf8, tokenizeWords } from '../../sdk/typescript/src/text.js';
import type { PluginLogger, Vectorizer } from '../../sdk/typescript/src/index.js';

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = { signal: new AbortController().signal, timeoutMs: 5000 };
const encoder = new TextEncoder();

function config(overrides: Partial<EmbedderConfig> = {}): EmbedderConfig {
  return { ...DEFAULT_CONFIG, ...overrides };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

function l2(v: Float32Array): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

async function makeVectorizer(cfg: Record<string, unknown> = {}): Promise<Vectorizer> {
  return plugin.create({ config: cfg, log: silent, dataDir: '/nonexistent' });
}

interface Golden {
  text: string;
  dimensions: number;
  config: Omit<EmbedderConfig, 'dimensions'>;
  vector: number[];
}

function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Golden;
}

t.test('tokenizer: ASCII lowercased, ASCII punctuation/whitespace/controls split, non-ASCII kept', async (t) => {
  t.same(tokenizeWords('Hello, WORLD!  foo_bar\tbaz-9\u0001x'), ['hello', 'world', 'foo', 'bar', 'baz', '9', 'x']);
  t.same(tokenizeWords('Größe café ÄÖÜ 東京'), ['größe', 'café', 'ÄÖÜ', '東京'], 'only A-Z are lowercased');
  t.same(tokenizeWords(''), []);
  t.same(tokenizeWords(' .,;!? '), []);
  t.same(Array.from(tokenizeUtf8('Ab\uD800c')[0]), [0x61, 0x62, 0xef, 0xbf, 0xbd, 0x63], 'lone surrogate -> U+FFFD');
  t.equal(isTokenByte(0x80), true);
  t.equal(isTokenByte(0x5f), false);
  t.equal(isTokenByte(0x7f), false);
  const mixed = Uint8Array.of(0x41, 0x5a, 0x61, 0x40, 0x5b, 0xc3, 0x84);
  t.same(Array.from(asciiLowercaseBytes(mixed)), [0x61, 0x7a, 0x61, 0x40, 0x5b, 0xc3, 0x84], 'A-Z only; @ [ and UTF-8 bytes kept');
  t.same(Array.from(mixed), [0x41, 0x5a, 0x61, 0x40, 0x5b, 0xc3, 0x84], 'asciiLowercaseBytes returns a copy');
});

t.test('FNV-1a 32 matches the published test vectors', async (t) => {
  t.equal(fnv1a32(encoder.encode('')), 0x811c9dc5);
  t.equal(fnv1a32(encoder.encode('a')), 0xe40c292c);
  t.equal(fnv1a32(encoder.encode('foobar')), 0xbf9cf968);
});

t.test('portableLog1p agrees with Math.log1p to 1e-15 relative', async (t) => {
  t.equal(portableLog1p(0), 0);
  const xs = [1e-12, 1e-6, 0.25, 0.4142, 0.5, 1, 1.5, 2, 3, 7.5, 10, 123.5, 4096, 1e5, 1e9];
  for (let i = 1; i <= 2000; i++) xs.push(i * 0.5, i * 0.3);
  let worst = 0;
  for (const x of xs) worst = Math.max(worst, Math.abs(portableLog1p(x) - Math.log1p(x)) / Math.log1p(x));
  t.ok(worst < 1e-15, `worst relative error ${worst}`);
});

t.test('features: word, bigram and char n-grams with their weights', async (t) => {
  // one token "ab": word (1) + padded " ab " grams n=3: " ab", "ab " (2 * 0.5) + n=4: " ab " (0.5)
  const counts = featureCounts('ab', config({ dimensions: 4096 }));
  const total = counts.reduce((s, x) => s + Math.abs(x), 0);
  t.equal(total, 2.5, 'absolute mass = 1 word + 3 grams * 0.5 (no collision at 4096 buckets)');
  const noChars = featureCounts('ab cd', config({ dimensions: 4096, charWeight: 0 }));
  t.equal(noChars.reduce((s, x) => s + Math.abs(x), 0), 3, 'two words + one bigram');
  const noBigrams = featureCounts('ab cd', config({ dimensions: 4096, charWeight: 0, wordBigrams: false }));
  t.equal(noBigrams.reduce((s, x) => s + Math.abs(x), 0), 2, 'two words');
  // the seed byte separates feature kinds: the word "abc" and the 3-gram "abc" of "xabcx" differ
  const word = featureCounts('abc', config({ dimensions: 4096, charWeight: 0, wordBigrams: false }));
  const grams = featureCounts('xabcx', config({ dimensions: 4096, minN: 3, maxN: 3, wordBigrams: false }));
  const wordBucket = word.findIndex((x) => x !== 0);
  t.not(wordBucket, -1);
  t.equal(grams[wordBucket], 0, 'no n-gram landed in the word bucket');
});

t.test('deterministic, unit length, dimensions follow config', async (t) => {
  const text = 'Vector databases store embeddings for similarity search.';
  const a = embed(text, config());
  const b = embed(text, config());
  t.equal(a.length, 384);
  t.same(Array.from(a), Array.from(b));
  t.ok(Math.abs(l2(a) - 1) < 1e-6, `norm ${l2(a)}`);
  for (const dimensions of [8, 64, 1000, 4096]) {
    const v = embed(text, config({ dimensions }));
    t.equal(v.length, dimensions);
    t.ok(Math.abs(l2(v) - 1) < 1e-6, `norm at ${dimensions}`);
  }
});

t.test('text without tokens gives the zero vector', async (t) => {
  for (const text of ['', '   ', '?!...', '\n\t']) {
    const v = embed(text, config({ dimensions: 32 }));
    t.equal(v.length, 32);
    t.ok(v.every((x) => Object.is(x, 0)), `${JSON.stringify(text)} -> +0 everywhere`);
  }
});

t.test('similar texts are closer than unrelated ones', async (t) => {
  const cat1 = embed('the cat sat on the mat', config());
  const cat2 = embed('a cat sat on a mat', config());
  const physics = embed('quantum chromodynamics lattice', config());
  const similar = cosine(cat1, cat2);
  t.ok(similar > 0.5, `cat/cat cosine ${similar}`);
  t.ok(similar > cosine(cat1, physics) + 0.4, 'cat/physics is far lower');
  t.ok(similar > cosine(cat2, physics) + 0.4);
  t.ok(cosine(embed('embedding', config()), embed('embeddings', config())) > 0.6, 'char n-grams relate inflections');
});

t.test('ASCII case is ignored; non-ASCII text works', async (t) => {
  t.same(Array.from(embed('Hello WORLD', config())), Array.from(embed('hello world', config())));
  const jp = embed('東京タワーは高い', config());
  t.ok(Math.abs(l2(jp) - 1) < 1e-6);
  const de1 = embed('Die Größe der Straße', config());
  const de2 = embed('die Größe der Straße', config());
  t.same(Array.from(de1), Array.from(de2));
  t.ok(cosine(jp, de1) < 0.3, 'different scripts are unrelated');
});

t.test('frozen golden vectors (the WebAssembly port is checked against the same files)', async (t) => {
  const golden = loadGolden('hash-embedder-golden.json');
  t.equal(golden.dimensions, 64);
  const v = embed(golden.text, { dimensions: golden.dimensions, ...golden.config });
  const first8 = Array.from(v.slice(0, 8), (x) => Number(x.toFixed(6)));
  t.same(first8, [-0.246538, 0.09099, 0.09099, 0.155548, 0.09099, 0, 0, -0.09099]);
  t.strictSame(Array.from(v), golden.vector, 'every float32 bit-identical to the committed golden');

  const weighted = loadGolden('hash-embedder-golden-weighted.json');
  const w = embed(weighted.text, { dimensions: weighted.dimensions, ...weighted.config });
  t.same(Array.from(w.slice(0, 8), (x) => Number(x.toFixed(6))), [-0.192545, -0.055132, -0.055132, -0.098764, 0.145655, -0.21636, 0, -0.055132]);
  t.strictSame(Array.from(w), weighted.vector, 'charWeight 0.3, n 2..4, no bigrams');
});

t.test('config is validated', async (t) => {
  t.same(parseConfig({}), DEFAULT_CONFIG);
  t.same(parseConfig({ dimensions: 64, minN: 2, maxN: 2, wordBigrams: false, charWeight: 0 }), {
    dimensions: 64,
    minN: 2,
    maxN: 2,
    wordBigrams: false,
    charWeight: 0,
  });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ dimensions: 4 }, /config\.dimensions must be an integer from 8 to 4096, got 4/],
    [{ dimensions: 64.5 }, /config\.dimensions/],
    [{ dimensions: '64' }, /config\.dimensions/],
    [{ minN: 0 }, /config\.minN/],
    [{ minN: 4, maxN: 3 }, /config\.minN \(4\) must not be greater than config\.maxN \(3\)/],
    [{ wordBigrams: 'yes' }, /config\.wordBigrams must be true or false/],
    [{ charWeight: -1 }, /config\.charWeight/],
    [{ charWeight: Number.NaN }, /config\.charWeight/],
  ];
  for (const [cfg, message] of bad) {
    t.throws(() => parseConfig(cfg), { code: 'MODGATE_CONFIG_INVALID', statusCode: 400, message }, JSON.stringify(cfg));
  }
});

t.test('plugin: create() honours config; vectorize and vectorizeBatch agree', async (t) => {
  const v = await makeVectorizer({ dimensions: 128 });
  t.equal(v.dimensions, 128);
  const one = await v.vectorize('hello there', ctx);
  t.equal(one.length, 128);
  const batch = await v.vectorizeBatch(['hello there', '', 'general kenobi'], ctx);
  t.equal(batch.length, 3);
  t.same(Array.from(batch[0]), Array.from(one));
  t.ok(batch[1].every((x) => x === 0));
  t.same(Array.from(batch[2]), Array.from(embed('general kenobi', config({ dimensions: 128 }))));
  t.same(await v.vectorizeBatch([], ctx), []);

  await t.rejects(v.vectorize(42 as unknown as string, ctx), { code: 'MODGATE_VALIDATION', message: /text must be a string/ });
  await t.rejects(v.vectorizeBatch(['ok', null as unknown as string], ctx), { code: 'MODGATE_VALIDATION', message: /texts\[1\]/ });
  const aborted = new AbortController();
  aborted.abort(new Error('caller went away'));
  await t.rejects(v.vectorizeBatch(['a'], { signal: aborted.signal, timeoutMs: 5000 }), { message: 'caller went away' });
  await t.rejects(makeVectorizer({ dimensions: 1 }), { code: 'MODGATE_CONFIG_INVALID' });
  t.equal((await makeVectorizer()).dimensions, 384);
});

t.test('plugin: health reports the effective settings', async (t) => {
  const impl = await plugin.create({ config: { dimensions: 64, minN: 2, maxN: 4 }, log: silent, dataDir: '/nonexistent' });
  t.same(await impl.health?.(), { healthy: true, detail: 'dimensions=64 n=2..4' });
});
