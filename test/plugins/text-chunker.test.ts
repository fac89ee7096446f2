import t from 'tap';
import plugin from '../../plugins/text-chunker/src/index.js';
import { packChunks, splitLongSentence } from '../../plugins/text-chunker/src/chunk.js';
import { DEFAULT_CONFIG, parseConfig } from '../../plugins/text-chunker/src/config.js';
import type { ChunkerConfig } from '../../plugins/text-chunker/src/config.js';
import { charLength, normalizeText } from '../../plugins/text-chunker/src/normalize.js';
import { splitSentences } from '../../plugins/text-chunker/src/sentences.js';
import { transformText } from '../../plugins/text-chunker/src/transform.js';
import type { PluginLogger, Transformer } from '../../sdk/typescript/src/index.js';

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = { signal: new AbortController().signal, timeoutMs: 5000 };

function chunk(text: string, overrides: Partial<ChunkerConfig> = {}): string[] {
  return transformText(text, { ...DEFAULT_CONFIG, ...overrides });
}

function sentenceTexts(text: string): string[] {
  return splitSentences(normalizeText(text)).map((s) => s.text);
}

async function makeTransformer(config: Record<string, unknown> = {}): Promise<Transformer> {
  return plugin.create({ config, log: silent, dataDir: '/nonexistent' });
}

// A deterministic pseudo-random document: sentences of 1 to maxWords words, some paragraphs.
function corpus(sentences: number, maxWords: number): string {
  let seed = 12345;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'vector', 'search', 'index', 'chunk', 'token', 'größe', '東京'];
  const out: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const length = 1 + next(maxWords);
    const sentence = Array.from({ length }, () => words[next(words.length)]).join(' ');
    out.push(`${sentence[0].toUpperCase()}${sentence.slice(1)}${'.!?'[next(3)]}${next(7) === 0 ? '\n\n' : ' '}`);
  }
  return out.join('');
}

t.test('charLength counts code points', async (t) => {
  t.equal(charLength(''), 0);
  t.equal(charLength('abc'), 3);
  t.equal(charLength('😀a😀'), 3);
  t.equal(charLength('\uDC00x\uD800'), 3, 'lone surrogates count one each');
});

t.test('normalisation', async (t) => {
  t.equal(normalizeText('ﬁnance ﬂow'), 'finance flow', 'NFKC ligatures');
  t.equal(normalizeText('ＡＢＣ１２３'), 'ABC123', 'NFKC full-width forms');
  t.equal(normalizeText('e\u0301'), 'é', 'NFKC composes');
  t.equal(normalizeText('a\u0000b\u0007c\u001bd\u007fe\u009ff'), 'abcdef', 'control characters removed');
  t.equal(normalizeText('  a \t\t b\u00a0\u2003c  '), 'a b c', 'whitespace runs collapse (tabs and NBSP included), trimmed');
  t.equal(normalizeText('line one\r\nline two\rline three'), 'line one\nline two\nline three', 'CRLF and CR');
  t.equal(normalizeText('para one \n \n\n  para two'), 'para one\n\npara two', 'blank lines become one paragraph break');
  t.equal(normalizeText('page\fbreak\u2028line'), 'page\n\nbreak\nline');
  t.equal(normalizeText('Hello WORLD'), 'Hello WORLD', 'case kept by default');
});

t.test('mode normalize', async (t) => {
  t.same(chunk('  ﬁne\u0000 TEXT\r\n\r\nhere ', { mode: 'normalize' }), ['fine TEXT\n\nhere']);
  t.same(chunk('Ünïcode ÄBC. Next', { mode: 'normalize', lowercase: true }), ['ünïcode äbc. next']);
  t.same(chunk('x'.repeat(50), { mode: 'normalize', maxChars: 10 }), ['x'.repeat(50)], 'no size limit in normalize mode');
});

t.test('empty input gives no output', async (t) => {
  for (const text of ['', '   ', '\n\n\t', '\u0000\u0001']) {
    t.same(chunk(text), [], `chunk ${JSON.stringify(text)}`);
    t.same(chunk(text, { mode: 'normalize' }), [], `normalize ${JSON.stringify(text)}`);
  }
});

t.test('sentence splitting keeps abbreviations, initials and decimals together', async (t) => {
  t.same(sentenceTexts('Dr. Smith paid $3.14 for it, e.g. coffee. He left! Was it J. K. Rowling? Yes.'), [
    'Dr. Smith paid $3.14 for it, e.g. coffee.',
    'He left!',
    'Was it J. K. Rowling?',
    'Yes.',
  ]);
  t.same(sentenceTexts('See Fig. 3 and No. 5 in vol. 2. The U.S. team won. Wait... what? "Done." Then it ended etc. The end.'), [
    'See Fig. 3 and No. 5 in vol. 2.',
    'The U.S. team won.',
    'Wait... what?',
    '"Done."',
    'Then it ended etc.',
    'The end.',
  ]);
  t.same(sentenceTexts('I said no. Then I left. Visit example.com today. Pi is approx. 3.14159 here.'), [
    'I said no.',
    'Then I left.',
    'Visit example.com today.',
    'Pi is approx. 3.14159 here.',
  ]);
  const paragraphs = splitSentences(normalizeText('Heading without period\n\nFirst. Second\nline.'));
  t.same(paragraphs, [
    { text: 'Heading without period', sep: '' },
    { text: 'First.', sep: '\n\n' },
    { text: 'Second\nline.', sep: ' ' },
  ]);
});

t.test('packing: exact chunks with and without overlap', async (t) => {
  const text = 'One two three. Four five six. Seven eight nine. Ten.';
  t.same(chunk(text, { maxChars: 32, overlap: 1 }), [
    'One two three. Four five six.',
    'Four five six. Seven eight nine.',
    'Seven eight nine. Ten.',
  ]);
  t.same(chunk(text, { maxChars: 32, overlap: 0 }), ['One two three. Four five six.', 'Seven eight nine. Ten.']);
  t.same(chunk(text, { maxChars: 1000 }), [text], 'all fits: the normalised text itself');
  t.same(chunk('Para one.\n\nPara two.', { maxChars: 100 }), ['Para one.\n\nPara two.'], 'paragraph break kept inside a chunk');
  t.same(chunk('Para one.\n\nPara two.', { maxChars: 12 }), ['Para one.', 'Para two.'], 'overlap dropped when it does not fit');
  t.same(chunk('Mixed CASE. Here.', { lowercase: true }), ['mixed case. here.']);
});

t.test('chunks never exceed maxChars and hold every word', async (t) => {
  const text = corpus(400, 30);
  const words = normalizeText(text).split(/\s+/);
  for (const maxChars of [40, 100, 300, 1000]) {
    const chunks = chunk(text, { maxChars, overlap: 0 });
    t.ok(chunks.length > 1, `${chunks.length} chunks at ${maxChars}`);
    t.ok(chunks.every((c) => charLength(c) <= maxChars && c.trim() === c && c !== ''), `all within ${maxChars}`);
    t.same(chunks.join(' ').split(/\s+/), words, `no overlap: the chunks hold every word once, in order (${maxChars})`);
    for (const overlap of [1, 3]) {
      const overlapping = chunk(text, { maxChars, overlap });
      t.ok(overlapping.every((c) => charLength(c) <= maxChars && c !== ''), `overlap ${overlap}: all within ${maxChars}`);
    }
  }
});

t.test('overlap: each chunk starts with the last sentences of the one before', async (t) => {
  const text = corpus(300, 6); // sentences of at most ~60 characters
  for (const overlap of [1, 2]) {
    const chunks = chunk(text, { maxChars: 200, overlap });
    t.ok(chunks.length > 10, `${chunks.length} chunks`);
    for (let i = 1; i < chunks.length; i++) {
      const carried = splitSentences(chunks[i - 1]).slice(-overlap);
      const starts = splitSentences(chunks[i]).slice(0, overlap);
      if (JSON.stringify(carried.map((s) => s.text)) !== JSON.stringify(starts.map((s) => s.text))) {
        t.fail(`overlap ${overlap}: chunk ${i} does not start with the last ${overlap} sentence(s) of chunk ${i - 1}`);
      }
    }
    t.pass(`overlap ${overlap} checked on every chunk boundary`);
  }
});

t.test('long sentences split at words; a giant word is hard-split', async (t) => {
  const long = 'alpha beta gamma delta epsilon zeta eta theta';
  t.same(chunk(long, { maxChars: 16, overlap: 0 }), ['alpha beta gamma', 'delta epsilon', 'zeta eta theta']);
  t.same(chunk(`Short. ${'x'.repeat(25)} tail.`, { maxChars: 10, overlap: 1 }), [
    'Short.',
    'x'.repeat(10),
    'x'.repeat(10),
    'xxxxx',
    'tail.',
  ]);
  const emoji = chunk('😀'.repeat(25), { maxChars: 10 });
  t.same(emoji.map(charLength), [10, 10, 5], 'counted in code points');
  t.ok(emoji.every((c) => Array.from(c).every((ch) => ch === '😀')), 'no surrogate pair cut');
  const pieces = splitLongSentence({ text: 'aaaa bbbbbbbbbbbb cc', sep: '\n\n' }, 5);
  t.same(
    pieces.map((p) => [p.text, p.sep]),
    [['aaaa', '\n\n'], ['bbbbb', ' '], ['bbbbb', ''], ['bb cc', '']],
  );
  t.same(packChunks([], 10, 1), []);
});

t.test('config is validated', async (t) => {
  t.same(parseConfig({}), { mode: 'chunk', maxChars: 1000, overlap: 1, lowercase: false });
  t.same(parseConfig({ mode: 'normalize', maxChars: 5, overlap: 0, lowercase: true }), { mode: 'normalize', maxChars: 5, overlap: 0, lowercase: true });
  for (const [cfg, message] of [
    [{ mode: 'split' }, /config\.mode must be one of normalize, chunk, got "split"/],
    [{ maxChars: 0 }, /config\.maxChars must be an integer from 1 to 1000000, got 0/],
    [{ maxChars: 10.5 }, /config\.maxChars/],
    [{ overlap: -1 }, /config\.overlap/],
    [{ lowercase: 'no' }, /config\.lowercase must be true or false/],
  ] as Array<[Record<string, unknown>, RegExp]>) {
    t.throws(() => parseConfig(cfg), { code: 'MODGATE_CONFIG_INVALID', message }, JSON.stringify(cfg));
  }
});

t.test('plugin: transform and transformBatch through create()', async (t) => {
  const chunker = await makeTransformer({ maxChars: 32, overlap: 0 });
  const text = 'One two three. Four five six. Seven eight nine. Ten.';
  t.same(await chunker.transform(text, ctx), ['One two three. Four five six.', 'Seven eight nine. Ten.']);
  t.same(await chunker.transformBatch([text, '', 'Hi.'], ctx), [
    ['One two three. Four five six.', 'Seven eight nine. Ten.'],
    [],
    ['Hi.'],
  ]);
  const normalizer = await makeTransformer({ mode: 'normalize', lowercase: true });
  t.same(await normalizer.transform('ﬁle  NAME\u0000', ctx), ['file name']);

  await t.rejects(chunker.transform(5 as unknown as string, ctx), { code: 'MODGATE_VALIDATION', message: /text must be a string/ });
  await t.rejects(chunker.transformBatch(['a', {} as unknown as string], ctx), { code: 'MODGATE_VALIDATION', message: /texts\[1\]/ });
  const aborted = new AbortController();
  aborted.abort(new Error('gone'));
  await t.rejects(chunker.transformBatch(['a'], { signal: aborted.signal, timeoutMs: 1000 }), { message: 'gone' });
  await t.rejects(makeTransformer({ mode: 'nope' }), { code: 'MODGATE_CONFIG_INVALID' });
});

t.test('plugin: health reports the effective settings', async (t) => {
  const impl = await plugin.create({ config: { maxChars: 200, overlap: 0 }, log: silent, dataDir: '/nonexistent' });
  t.same(await impl.health?.(), { healthy: true, detail: 'mode=chunk maxChars=200 overlap=0' });
});
