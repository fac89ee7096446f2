// What the benchmark measures: request shapes (what is sent, what must come back) and the
// runtimes each shape runs against. Every shape also runs against the baseline server.
import { LONG_TEXT, RERANK_DOCUMENTS, RERANK_QUERY, SHORT_TEXT, texts } from './corpus.js';
import { BATCH_LONG, BATCH_SHORT, DIMENSIONS, VECTOR_TOLERANCE, expectedHits, expectedVector, maxDifference, wrongHits } from './expected.js';

/** native-cached: the memo-embedder fixture, hash-embedder answers from a cache (the gateway's own cost). */
export type TargetId = 'baseline' | 'native-cached' | 'native' | 'wasm' | 'grpc-ts' | 'grpc-py';
export type Operation = 'vectorize' | 'rerank';

export interface Shape {
  id: string;
  label: string;
  operation: Operation;
  body: Record<string, unknown>;
  /** Ask for raw little-endian float32 (Accept: application/octet-stream). */
  float32?: boolean;
}

export const SHAPES: Shape[] = [
  { id: 'single', label: 'vectorize 1 text (60 chars), JSON', operation: 'vectorize', body: { text: SHORT_TEXT } },
  { id: 'single-1k', label: 'vectorize 1 text (1000 chars), JSON', operation: 'vectorize', body: { text: LONG_TEXT } },
  {
    id: 'single-f32',
    label: 'vectorize 1 text (60 chars), float32',
    operation: 'vectorize',
    body: { text: SHORT_TEXT },
    float32: true,
  },
  {
    id: 'batch100',
    label: 'vectorize 100 texts (60 chars), JSON',
    operation: 'vectorize',
    body: { texts: texts(BATCH_SHORT.count, BATCH_SHORT.length) },
  },
  {
    id: 'batch100-f32',
    label: 'vectorize 100 texts (60 chars), float32',
    operation: 'vectorize',
    body: { texts: texts(BATCH_SHORT.count, BATCH_SHORT.length) },
    float32: true,
  },
  {
    id: 'batch100-1k',
    label: 'vectorize 100 texts (1000 chars), JSON',
    operation: 'vectorize',
    body: { texts: texts(BATCH_LONG.count, BATCH_LONG.length) },
  },
  {
    id: 'rerank100',
    label: 'rerank 100 documents (300 chars)',
    operation: 'rerank',
    body: { query: RERANK_QUERY, documents: RERANK_DOCUMENTS },
  },
];

export interface AnswerCheck {
  /** Why the answer is wrong; undefined when it is right. */
  wrong?: string;
  /** Vector answers: the largest difference from the expected values (0 = bit-identical). */
  maxDiff?: number;
}

/**
 * Checks one answer value by value against the expected vectors or hits (bench/expected.ts),
 * so the benchmark never times fast wrong answers or error responses.
 */
export function checkAnswer(shape: Shape, status: number, contentType: string | null, body: Buffer): AnswerCheck {
  if (status !== 200) return { wrong: `status ${status}: ${body.toString('utf8').slice(0, 300)}` };
  if (shape.operation === 'rerank') return checkHits(shape, body);
  const inputs = shape.body.text !== undefined ? [shape.body.text as string] : (shape.body.texts as string[]);
  let vectors: ArrayLike<number>[];
  if (shape.float32) {
    if (!contentType?.startsWith('application/octet-stream')) return { wrong: `content-type ${contentType}, expected application/octet-stream` };
    const expected = inputs.length * DIMENSIONS * 4;
    if (body.length !== expected) return { wrong: `${body.length} bytes, expected ${expected}` };
    const all = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
    vectors = inputs.map((_, i) => all.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS));
  } else {
    const json = JSON.parse(body.toString('utf8')) as { vector?: number[]; vectors?: number[][]; dimensions?: number };
    vectors = shape.body.text !== undefined ? (json.vector ? [json.vector] : []) : (json.vectors ?? []);
    if (json.dimensions !== DIMENSIONS) return { wrong: `dimensions ${json.dimensions}, expected ${DIMENSIONS}` };
  }
  if (vectors.length !== inputs.length) return { wrong: `${vectors.length} vectors, expected ${inputs.length}` };
  let maxDiff = 0;
  for (let i = 0; i < inputs.length; i++) {
    const diff = maxDifference(vectors[i], expectedVector(inputs[i]));
    if (!(diff <= VECTOR_TOLERANCE)) {
      const what = diff === Infinity ? `has ${vectors[i].length} values (or one is not a number)` : `is off by up to ${diff}`;
      return { wrong: `vector ${i} ${what}; expected the hash-embedder's ${DIMENSIONS} values`, maxDiff: diff };
    }
    maxDiff = Math.max(maxDiff, diff);
  }
  return { maxDiff };
}

function checkHits(shape: Shape, body: Buffer): AnswerCheck {
  const json = JSON.parse(body.toString('utf8')) as { results?: Array<{ index: number; score: number; document?: string }> };
  const results = json.results ?? [];
  const wrong = wrongHits(results, expectedHits());
  if (wrong) return { wrong };
  const documents = shape.body.documents as string[];
  const misplaced = results.findIndex((r) => r.document !== documents[r.index]);
  return misplaced < 0 ? {} : { wrong: `result ${misplaced} carries the wrong document text` };
}
