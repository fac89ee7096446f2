// {{name}}: the vectorizer itself. Every 3-byte window of the UTF-8 text is hashed (FNV-1a)
// into one of `dimensions` buckets with a sign; the vector is L2-normalised.
// Replace embed() with your model; keep the default export's shape.
import { definePlugin, type CallContext } from '@modgate/sdk';

function embed(text: string, dimensions: number): Float32Array {
  const bytes = new TextEncoder().encode(text);
  const vector = new Float32Array(dimensions);
  for (let i = 0; i + 3 <= Math.max(bytes.length, 3); i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + 3 && j < bytes.length; j++) h = Math.imul(h ^ bytes[j], 0x01000193) >>> 0;
    vector[h % dimensions] += h & 0x80000000 ? -1 : 1;
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm > 0) for (let k = 0; k < dimensions; k++) vector[k] /= Math.sqrt(norm);
  return vector;
}

export default definePlugin({
  type: 'vectorizer',
  create(host) {
    const dimensions = Number(host.config.dimensions);
    host.log.info(`{{name}} ready with ${dimensions} dimensions`);
    return {
      dimensions,
      async vectorize(text: string): Promise<Float32Array> {
        return embed(text, dimensions);
      },
      async vectorizeBatch(texts: string[], ctx: CallContext): Promise<Float32Array[]> {
        return texts.map((text) => {
          ctx.signal.throwIfAborted();
          return embed(text, dimensions);
        });
      },
    };
  },
});
