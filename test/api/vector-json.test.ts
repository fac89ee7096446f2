// The vectorize answer is written straight from Float32Arrays (src/http/vectors.ts): it must be
// the very text a JSON serializer makes from the same values as numbers.
import t from 'tap';
import { vectorizeJson } from '../../src/http/vectors.js';

const awkward = Float32Array.of(0, -0, 1, -1, 0.1, 1e-7, -3.4028234663852886e38, 1.401298464324817e-45, 123456.789, Math.PI);

t.test('one vector: the same JSON as JSON.stringify of the numbers', async (t) => {
  const body = { vector: awkward, dimensions: awkward.length, model: 'm "quoted"', version: '1.0.0' };
  const text = vectorizeJson(body);
  t.equal(text, JSON.stringify({ ...body, vector: Array.from(awkward) }));
  t.same(JSON.parse(text).vector, Array.from(awkward), 'parses back to the float32 values');
});

t.test('several vectors, and none', async (t) => {
  const vectors = [awkward, Float32Array.of(2.5, -2.5)];
  const body = { vectors, dimensions: 2, model: 'm', version: '2' };
  t.equal(vectorizeJson(body), JSON.stringify({ ...body, vectors: vectors.map((v) => Array.from(v)) }));
  t.equal(vectorizeJson({ vectors: [], dimensions: 2, model: 'm', version: '2' }), '{"vectors":[],"dimensions":2,"model":"m","version":"2"}');
  t.equal(vectorizeJson({ vector: new Float32Array(0), dimensions: 0, model: 'm', version: '2' }), '{"vector":[],"dimensions":0,"model":"m","version":"2"}');
});
