import t from 'tap';
import plugin from '../../plugins/extractive-summarizer/src/index.js';
import { parseConfig } from '../../plugins/extractive-summarizer/src/config.js';
import { scoreSentences, summarize, FIRST_SENTENCE_BONUS } from '../../plugins/extractive-summarizer/src/summarize.js';
import { inputText, splitSentences, stripInstruction, words } from '../../plugins/extractive-summarizer/src/text.js';
import type { GenerateRequest, Generator, PluginLogger } from '../../sdk/typescript/src/index.js';

// Content-word counts: solar 3, panels 3, convert 2, sunlight 2, electricity 2, every other 1.
// Scores (mean of count/3 over content words): S0 3/9+0.1, S1 12/15, S2 15/21, S3 4/12, S4 10/21.
const SOLAR =
  'The weather was mild on Tuesday. Solar panels convert sunlight into electricity. ' +
  'Modern solar panels convert more sunlight than older panels did. My neighbour owns a red bicycle. ' +
  'Cheap solar electricity is changing how cities use energy.';

const S1 = 'Solar panels convert sunlight into electricity.';
const S2 = 'Modern solar panels convert more sunlight than older panels did.';
const S4 = 'Cheap solar electricity is changing how cities use energy.';

const silent: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

async function makeGenerator(config: Record<string, unknown> = {}): Promise<Generator> {
  return plugin.create({ config, log: silent, dataDir: '/nonexistent' });
}

function ctx(signal: AbortSignal = new AbortController().signal) {
  return { signal, timeoutMs: 5000 };
}

async function collect(gen: Generator, request: GenerateRequest, signal?: AbortSignal): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of gen.generate(request, ctx(signal))) chunks.push(chunk);
  return chunks;
}

t.test('text helpers', async (t) => {
  t.same(splitSentences(SOLAR).length, 5);
  t.same(splitSentences('Dr. Smith paid $3.50 for "coffee." Then J. Doe left!\n\nHeading\n\nLast one?'), [
    'Dr. Smith paid $3.50 for "coffee."',
    'Then J. Doe left!',
    'Heading',
    'Last one?',
  ]);
  t.same(words("It's the Solar-panel’s 2nd test!"), ["it's", 'the', 'solar', "panel's", '2nd', 'test']);
  t.equal(stripInstruction('Summarize: The text.'), 'The text.');
  t.equal(stripInstruction('Please summarise the following:\nThe text.'), 'The text.');
  t.equal(stripInstruction('Summarize this article\nThe text.'), 'The text.');
  t.equal(stripInstruction('TL;DR: The text.'), 'The text.');
  t.equal(stripInstruction('Summarized results follow. Done.'), 'Summarized results follow. Done.');
});

t.test('scores follow document term frequencies', async (t) => {
  const scores = scoreSentences(splitSentences(SOLAR)).map((s) => s.score);
  const expected = [3 / 9 + FIRST_SENTENCE_BONUS, 12 / 15, 15 / 21, 4 / 12, 10 / 21];
  expected.forEach((value, i) => t.ok(Math.abs(scores[i] - value) < 1e-9, `sentence ${i} scores ${value}`));
});

t.test('summarize picks the top sentences in original order', async (t) => {
  t.same(summarize(SOLAR, 3), [S1, S2, S4]);
  t.same(summarize(SOLAR, 2), [S1, S2]);
  t.same(summarize(SOLAR, 1), [S1]);
  t.same(summarize(SOLAR, 10), splitSentences(SOLAR));
  t.same(summarize('', 3), []);
});

t.test('first-sentence bonus lifts a slightly weaker opening sentence', async (t) => {
  // cats/chase/mice occur 4 times, daily 3: the opening scores 0.9375 on frequency alone,
  // the second sentence 1.0; the 0.1 bonus puts the opening ahead.
  const text = 'Cats chase mice daily. Cats chase mice. Cats chase mice daily. Cats chase mice daily.';
  const raw = scoreSentences(splitSentences(text)).map((s) => s.score);
  t.ok(raw[0] - FIRST_SENTENCE_BONUS < raw[1], 'without the bonus the second sentence would win');
  t.same(summarize(text, 1), ['Cats chase mice daily.']);
});

t.test('generate streams the summary word by word', async (t) => {
  const gen = await makeGenerator();
  const chunks = await collect(gen, { prompt: SOLAR });
  t.equal(chunks.join(''), `${S1} ${S2} ${S4}`);
  t.equal(chunks[0], 'Solar ');
  t.equal(chunks.at(-1), 'energy.');
  t.equal(chunks.length, `${S1} ${S2} ${S4}`.split(' ').length);
  t.ok(chunks.slice(0, -1).every((c) => /^\S+ $/.test(c)), 'every chunk but the last is one word and a space');
});

t.test('maxSentences config', async (t) => {
  const gen = await makeGenerator({ maxSentences: 1 });
  t.equal((await collect(gen, { prompt: SOLAR })).join(''), S1);
});

t.test('maxTokens cuts the stream', async (t) => {
  const gen = await makeGenerator();
  const chunks = await collect(gen, { prompt: SOLAR, maxTokens: 4 });
  t.same(chunks, ['Solar ', 'panels ', 'convert ', 'sunlight']);
  t.equal((await collect(gen, { prompt: SOLAR, maxTokens: 1000 })).join(''), `${S1} ${S2} ${S4}`);
  await t.rejects(collect(gen, { prompt: SOLAR, maxTokens: 0 }), { code: 'MODGATE_VALIDATION' });
  await t.rejects(collect(gen, { prompt: SOLAR, maxTokens: 2.5 }), { code: 'MODGATE_VALIDATION' });
});

t.test('messages input: user messages only, instruction stripped', async (t) => {
  const request: GenerateRequest = {
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Assistants help people every day.' },
      { role: 'user', content: 'Summarise the following:' },
      { role: 'user', content: SOLAR.slice(0, SOLAR.indexOf('My neighbour')) },
      { role: 'assistant', content: 'Sure, send the rest.' },
      { role: 'user', content: SOLAR.slice(SOLAR.indexOf('My neighbour')) },
    ],
  };
  t.equal(inputText(request).replace(/\s+/g, ' '), SOLAR);
  const gen = await makeGenerator();
  t.equal((await collect(gen, request)).join(''), `${S1} ${S2} ${S4}`);
});

t.test('prompt wins over messages; the instruction prefix is stripped', async (t) => {
  const gen = await makeGenerator({ maxSentences: 1 });
  const out = await collect(gen, {
    prompt: 'Summarize: Bees make honey. Bees dance.',
    messages: [{ role: 'user', content: SOLAR }],
  });
  t.equal(out.join(''), 'Bees make honey.');
});

t.test('empty input yields nothing', async (t) => {
  const gen = await makeGenerator();
  t.same(await collect(gen, { prompt: '' }), []);
  t.same(await collect(gen, { prompt: '   \n ' }), []);
  t.same(await collect(gen, { messages: [] }), []);
  t.same(await collect(gen, {}), []);
  t.same(await collect(gen, { prompt: 'Summarize:' }), []);
});

t.test('abort mid-stream stops producing chunks', async (t) => {
  const gen = await makeGenerator();
  const controller = new AbortController();
  const chunks: string[] = [];
  for await (const chunk of gen.generate({ prompt: SOLAR }, ctx(controller.signal))) {
    chunks.push(chunk);
    if (chunks.length === 3) controller.abort();
  }
  t.same(chunks, ['Solar ', 'panels ', 'convert ']);
});

t.test('abort during chunkDelayMs ends the stream promptly', async (t) => {
  const gen = await makeGenerator({ chunkDelayMs: 60_000 });
  const controller = new AbortController();
  const iterator = gen.generate({ prompt: SOLAR }, ctx(controller.signal))[Symbol.asyncIterator]();
  t.same(await iterator.next(), { value: 'Solar ', done: false });
  const pending = iterator.next(); // now waiting out the one-minute delay
  controller.abort();
  t.same(await pending, { value: undefined, done: true });
});

t.test('an already aborted signal yields nothing', async (t) => {
  const gen = await makeGenerator();
  t.same(await collect(gen, { prompt: SOLAR }, AbortSignal.abort()), []);
});

t.test('deterministic across calls and instances', async (t) => {
  const a = await collect(await makeGenerator(), { prompt: SOLAR });
  const b = await collect(await makeGenerator(), { prompt: SOLAR });
  const c = await collect(await makeGenerator(), { prompt: SOLAR });
  t.same(a, b);
  t.same(b, c);
});

t.test('config validation', async (t) => {
  t.same(parseConfig({}), { maxSentences: 3, chunkDelayMs: 0 });
  t.throws(() => parseConfig({ maxSentences: 0 }), { code: 'MODGATE_CONFIG_INVALID', message: /maxSentences/ });
  t.throws(() => parseConfig({ chunkDelayMs: -1 }), { code: 'MODGATE_CONFIG_INVALID', message: /chunkDelayMs/ });
  t.throws(() => parseConfig({ maxSentences: '3' }), { code: 'MODGATE_CONFIG_INVALID' });
  t.equal(plugin.type, 'generator');
});
