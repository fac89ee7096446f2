// POST /v1/chat/completions on the bundled extractive-summarizer, with the official openai
// client (plain and streamed), the exact SSE chunks, and a client that disconnects mid-stream.
import { request as httpRequest } from 'node:http';
import tap from 'tap';
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import { listeningGateway, openaiClient, postJson, sharedGateway } from './helpers.js';

const ARTICLE =
  'Vector databases store embeddings. They answer similarity queries over embeddings quickly. ' +
  'Many teams run a vector database beside their search engine. Embeddings come from models that map text to vectors. ' +
  'The weather was pleasant on the day of the launch.';

const MESSAGES = [
  { role: 'system' as const, content: 'You summarise.' },
  { role: 'user' as const, content: `Summarize: ${ARTICLE}` },
];

/** The plugin's own answer, through the native route. */
async function nativeSummary(app: FastifyInstance, maxTokens?: number): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/plugins/extractive-summarizer/generate',
    payload: { messages: MESSAGES, ...(maxTokens ? { maxTokens } : {}) },
  });
  return response.json().text;
}

interface SseEvent {
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => ({ data: block.replace(/^data: /, '') }));
}

tap.test('chat completions with the openai client: plain and streamed', async (t) => {
  const { app, origin } = await sharedGateway(tap, { fixtures: true });
  const client = openaiClient(origin);
  const expected = await nativeSummary(app);
  t.ok(expected.startsWith('Vector databases store embeddings.'), 'the summariser keeps the opening sentence');
  t.notOk(expected.includes('weather'), 'and drops the off-topic one');

  const completion = await client.chat.completions.create({ model: 'extractive-summarizer', messages: MESSAGES });
  t.equal(completion.object, 'chat.completion');
  t.match(completion.id, /^chatcmpl-/);
  t.equal(completion.model, 'extractive-summarizer');
  t.equal(completion.choices.length, 1);
  t.same(completion.choices[0].message, { role: 'assistant', content: expected, refusal: null });
  t.equal(completion.choices[0].finish_reason, 'stop');
  const words = expected.split(/\s+/).length;
  t.same(completion.usage, { prompt_tokens: 2 + 1 + ARTICLE.split(/\s+/).length, completion_tokens: words, total_tokens: 3 + ARTICLE.split(/\s+/).length + words });

  const stream = await client.chat.completions.create({ model: 'extractive-summarizer', messages: MESSAGES, stream: true });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.ok(chunks.length > 3, 'several chunks');
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id && c.model === 'extractive-summarizer'));
  t.same(chunks[0].choices[0].delta, { role: 'assistant', content: '' }, 'the first chunk carries the role');
  t.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop', 'the last chunk carries finish_reason');
  t.same(chunks.at(-1)!.choices[0].delta, {});
  t.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null));
  t.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), expected, 'the chunks join to the whole answer');
});

tap.test('max_tokens, max_completion_tokens and stream usage', async (t) => {
  const { app, origin } = await sharedGateway(tap, { fixtures: true });
  const client = openaiClient(origin);
  const firstThree = await nativeSummary(app, 3);
  t.equal(firstThree, 'Vector databases store');

  const cut = await client.chat.completions.create({ model: 'extractive-summarizer', messages: MESSAGES, max_tokens: 3 });
  t.equal(cut.choices[0].message.content, firstThree, 'max_tokens becomes the plugin’s maxTokens');
  t.equal(cut.choices[0].finish_reason, 'length', 'an answer cut at max_tokens says so');

  const both = await client.chat.completions.create({ model: 'extractive-summarizer', messages: MESSAGES, max_tokens: 3, max_completion_tokens: 2 });
  t.equal(both.choices[0].message.content, 'Vector databases', 'max_completion_tokens wins');

  const stream = await client.chat.completions.create({
    model: 'extractive-summarizer',
    messages: MESSAGES,
    max_tokens: 2,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const usageChunk = chunks.at(-1)!;
  t.same(usageChunk.choices, [], 'the usage chunk has no choices');
  t.same(usageChunk.usage, { prompt_tokens: 3 + ARTICLE.split(/\s+/).length, completion_tokens: 2, total_tokens: 5 + ARTICLE.split(/\s+/).length });
  t.equal(chunks.at(-2)!.choices[0].finish_reason, 'length');
  t.ok(chunks.slice(0, -1).every((c) => c.usage === null), 'the other chunks carry usage: null');
});

tap.test('the exact SSE wire format', async (t) => {
  const { origin } = await sharedGateway(tap, { fixtures: true });
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'extractive-summarizer', messages: [{ role: 'user', content: 'Cats sleep a lot.' }], stream: true }),
  });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/event-stream/);
  const events = parseSse(await response.text());
  t.same(
    events.map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data).choices[0])),
    [
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Cats ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'sleep ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'a ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'lot.' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      '[DONE]',
    ],
  );
});

tap.test('a client that disconnects mid-stream stops the generation', async (t) => {
  const { app, origin } = await listeningGateway(t);
  // Slow the stream down so it is still running when the client goes away.
  await app.gateway.manager.reload('extractive-summarizer', undefined, { config: { chunkDelayMs: 50 } });

  const url = new URL('/v1/chat/completions', origin);
  const body = JSON.stringify({ model: 'extractive-summarizer', messages: MESSAGES, stream: true });
  const received = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        text += data;
        // The role chunk and two words: then hang up.
        if ((text.match(/"content"/g) ?? []).length >= 3) {
          res.destroy();
          resolve(text);
        }
      });
      res.on('end', () => reject(new Error(`the stream ended before the client hung up: ${text}`)));
    });
    req.on('error', reject);
    req.end(body);
  });
  t.match(received, /"content":"Vector "/, 'the stream had started');
  t.notMatch(received, /\[DONE\]/);

  const detail = await until(app, (d) => d.stats.byOutcome.cancelled === 1 && d.inFlight === 0);
  t.equal(detail.stats.byOutcome.cancelled, 1, 'the call ended as cancelled');
  t.equal(detail.stats.byOutcome.ok, undefined, 'and never finished');
  t.equal(detail.inFlight, 0, 'the plugin let go of the call');
});

tap.test('errors: before the stream (JSON, OpenAI shape) and during it (an error event)', async (t) => {
  const { origin } = await sharedGateway(tap, { fixtures: true });
  const client = openaiClient(origin);

  const unknown = await client.chat.completions.create({ model: 'nope', messages: MESSAGES }).catch((e: unknown) => e);
  t.ok(unknown instanceof OpenAI.NotFoundError);
  const unknownStream = await client.chat.completions.create({ model: 'nope', messages: MESSAGES, stream: true }).catch((e: unknown) => e);
  t.ok(unknownStream instanceof OpenAI.NotFoundError, 'a stream that cannot start is a plain 404');

  const wrongType = await postJson(origin, '/v1/chat/completions', { model: 'hash-embedder', messages: MESSAGES });
  t.equal(wrongType.status, 400);
  t.match(wrongType.body.error, { code: 'MODGATE_UNSUPPORTED_OPERATION', param: 'model', message: /is a vectorizer; this operation needs a generator/ });

  const tool = await postJson(origin, '/v1/chat/completions', {
    model: 'extractive-summarizer',
    messages: [{ role: 'tool', content: '42', tool_call_id: 'x' }],
  });
  t.equal(tool.status, 400);
  t.match(tool.body.error.message, /messages\[0\]\.role "tool" is not supported/);

  const image = await postJson(origin, '/v1/chat/completions', {
    model: 'extractive-summarizer',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'x' } }] }],
  });
  t.equal(image.status, 400);
  t.match(image.body.error.message, /messages\[0\]\.content\[1\] has type "image_url"/);

  const parts = await client.chat.completions.create({
    model: 'extractive-summarizer',
    messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Cats sleep a lot.' }] }],
  });
  t.equal(parts.choices[0].message.content, 'Cats sleep a lot.', 'text parts and developer messages are accepted');

  const two = await postJson(origin, '/v1/chat/completions', { model: 'extractive-summarizer', messages: MESSAGES, n: 2 });
  t.equal(two.status, 400);

  const noMessages = await postJson(origin, '/v1/chat/completions', { model: 'extractive-summarizer', messages: [] });
  t.equal(noMessages.status, 400);
  t.equal(noMessages.body.error.type, 'invalid_request_error');

  const failFirst = await client.chat.completions
    .create({ model: 'faulty-generator', messages: [{ role: 'user', content: 'fail-first' }], stream: true })
    .catch((e: unknown) => e);
  t.ok(failFirst instanceof OpenAI.APIError && failFirst.status === 502, 'a plugin failing before its first chunk is a 502');

  const failLater = await client.chat.completions.create({
    model: 'faulty-generator',
    messages: [{ role: 'user', content: 'fail-after-one' }],
    stream: true,
  });
  const seen: string[] = [];
  const midStream = await (async () => {
    for await (const chunk of failLater) seen.push(chunk.choices[0]?.delta.content ?? '');
  })().catch((e: unknown) => e);
  t.same(seen, ['', 'partial '], 'the chunks before the failure arrived');
  t.ok(midStream instanceof OpenAI.APIError, 'the error event surfaces as an APIError');
  t.match((midStream as Error).message, /broke after the first chunk/);

  const raw = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'faulty-generator', messages: [{ role: 'user', content: 'fail-after-one' }], stream: true }),
  });
  const events = parseSse(await raw.text());
  t.same(JSON.parse(events.at(-1)!.data), {
    error: { message: 'plugin "faulty-generator" failed: broke after the first chunk', type: 'server_error', param: null, code: 'MODGATE_PLUGIN_ERROR' },
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PluginDetail = any;

/** Polls GET /plugins/extractive-summarizer until `done` holds (at most ~5 s). */
async function until(app: FastifyInstance, done: (detail: PluginDetail) => boolean): Promise<PluginDetail> {
  let detail: PluginDetail;
  for (let i = 0; i < 200; i++) {
    detail = (await app.inject({ method: 'GET', url: '/plugins/extractive-summarizer' })).json();
    if (done(detail)) return detail;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return detail;
}
