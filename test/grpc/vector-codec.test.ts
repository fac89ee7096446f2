// The Embed answer codec: the same bytes as protobufjs (both ways), the wire forms a proto3
// parser must accept, refusal of malformed bytes, and what the gateway says when a plugin
// answers Embed with bytes that are not an EmbedResponse (a real server on a real socket).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import t from 'tap';
import { ModgateError } from '../../src/errors.js';
import { PluginChannel } from '../../src/runtimes/grpc/channel.js';
import { LOADER_OPTIONS, findProtoDir, loadProtocol } from '../../src/runtimes/grpc/protocol.js';
import { decodeEmbedResponse, encodeEmbedResponse } from '../../src/runtimes/grpc/vector-codec.js';

// protobufjs's own (de)serializers for the same method, as the reference.
const reference = (() => {
  const definition = protoLoader.loadSync(['modgate/plugin/v1/plugin.proto'], { ...LOADER_OPTIONS, includeDirs: [findProtoDir(import.meta.dirname)] });
  return (definition['modgate.plugin.v1.Vectorizer'] as grpc.ServiceDefinition).Embed;
})();
const referenceEncode = (vectors: number[][]) => reference.responseSerialize({ vectors: vectors.map((values) => ({ values })) });
const referenceDecode = (bytes: Buffer) => (reference.responseDeserialize(bytes) as { vectors: Array<{ values: number[] }> }).vectors.map((v) => v.values);
const asArrays = (decoded: { vectors: Array<{ values: Float32Array }> }) => decoded.vectors.map((v) => Array.from(v.values));

const f32 = (values: number[]) => Array.from(Float32Array.from(values));
const SAMPLE = [f32([0.5, -1.25, 3.4028234663852886e38, 1e-45, 0]), f32(Array.from({ length: 384 }, (_, i) => Math.sin(i))), [], f32([-0])];

t.test('encodes the bytes protobufjs encodes, from Float32Arrays or plain arrays', async (t) => {
  const expected = referenceEncode(SAMPLE);
  t.same(encodeEmbedResponse({ vectors: SAMPLE.map((v) => ({ values: Float32Array.from(v) })) }), expected);
  t.same(encodeEmbedResponse({ vectors: SAMPLE.map((values) => ({ values })) }), expected);
  const inOneBuffer = new Float32Array(10).fill(7).subarray(3, 6);
  t.same(referenceDecode(encodeEmbedResponse({ vectors: [{ values: inOneBuffer }] })), [[7, 7, 7]], 'a view into a larger buffer sends only its own values');
  t.equal(encodeEmbedResponse({ vectors: [] }).length, 0);
});

t.test('decodes what protobufjs encodes into Float32Arrays of their own', async (t) => {
  const decoded = decodeEmbedResponse(referenceEncode(SAMPLE));
  t.same(asArrays(decoded), SAMPLE);
  t.ok(decoded.vectors.every((v) => v.values instanceof Float32Array));
  t.equal(decoded.vectors[0].values.buffer, decoded.vectors[1].values.buffer, 'one allocation for the whole answer');
  t.same(decoded.vectors.map((v) => v.values.byteOffset), [0, 5 * 4, (5 + 384) * 4, (5 + 384) * 4], 'each vector its own slice of it');
  t.same(asArrays(decodeEmbedResponse(Buffer.alloc(0))), []);
  t.same(Object.is(decoded.vectors[3].values[0], -0), true, 'negative zero survives');
});

t.test('accepts the other wire forms a proto3 parser must: unpacked, split packed runs, unknown fields', async (t) => {
  const float = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return b;
  };
  // Vector with values 1 and 2 unpacked (tag 0x0d each), an unknown varint field 2, then a packed run of 3.
  const vector = Buffer.concat([
    Buffer.from([0x0d]), float(1),
    Buffer.from([0x10, 0x96, 0x01]),
    Buffer.from([0x0d]), float(2),
    Buffer.from([0x0a, 0x04]), float(3),
    Buffer.from([0x19]), Buffer.alloc(8), // unknown fixed64 field 3
    Buffer.from([0x25]), Buffer.alloc(4), // unknown fixed32 field 4
  ]);
  const unknownLen = Buffer.from([0x12, 0x02, 0x68, 0x69]); // EmbedResponse field 2: "hi"
  const bytes = Buffer.concat([unknownLen, Buffer.from([0x0a, vector.length]), vector]);
  t.same(asArrays(decodeEmbedResponse(bytes)), [[1, 2, 3]]);
});

t.test('refuses malformed bytes with a reason', async (t) => {
  t.throws(() => decodeEmbedResponse(Buffer.from([0x0a, 0x05, 0x0a])), /runs past the end/);
  t.throws(() => decodeEmbedResponse(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x00])), /not a multiple of 4/);
  t.throws(() => decodeEmbedResponse(Buffer.from([0x0b])), /unsupported wire type 3/);
  t.throws(() => decodeEmbedResponse(Buffer.from([0x0a, 0x80])), /ends inside a varint/);
  t.throws(() => decodeEmbedResponse(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /ends inside a varint/);
  t.same(asArrays(decodeEmbedResponse(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))), [], 'a 64-bit varint in an unknown field is skipped');
});

t.test('a plugin that answers Embed with garbage bytes: a clear plugin error for that call', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'modgate-codec-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const protocol = loadProtocol();
  const server = new grpc.Server();
  const garbage = { ...protocol.services.Vectorizer.Embed, responseSerialize: () => Buffer.from([0x0a, 0x09, 0x0a, 0x01]) };
  server.addService({ Embed: garbage }, {
    Embed: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, {}),
  });
  const socket = join(dir, 'plugin.sock');
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  t.teardown(() => server.forceShutdown());
  const channel = new PluginChannel({ target: `unix:${socket}`, pluginName: 'garbled', type: 'vectorizer' });
  t.teardown(() => channel.close());
  const err = await channel.unary('service', 'Embed', { texts: ['a'] }, { timeoutMs: 5000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ModgateError, 'a gateway error, not a crash');
  t.equal((err as ModgateError).code, 'MODGATE_PLUGIN_ERROR');
  t.match((err as ModgateError).message, /plugin "garbled" failed .*pars/i);
});
