// The compatibility routes appear in the OpenAPI document with named schemas and examples.
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { generateOpenApi } from '../../scripts/openapi.js';

const ref = (name: string) => `#/components/schemas/${name}`;

t.test('every compat route is documented with its schemas', async (t) => {
  const document = JSON.parse((await generateOpenApi()).json);
  await SwaggerParser.validate(structuredClone(document));
  const { paths, components } = document;

  const body = (path: string, method = 'post') => paths[path][method].requestBody.content['application/json'].schema.$ref;
  const ok = (path: string, method = 'post') => paths[path][method].responses['200'].content['application/json'].schema.$ref;

  t.equal(body('/v1/embeddings'), ref('OpenAIEmbeddingsRequest'));
  t.equal(ok('/v1/embeddings'), ref('OpenAIEmbeddingsResponse'));
  t.equal(paths['/v1/embeddings'].post.responses['404'].content['application/json'].schema.$ref, ref('OpenAIError'));
  t.equal(ok('/v1/models', 'get'), ref('OpenAIModelList'));
  t.ok(paths['/v1/models/{model}'].get);
  t.equal(body('/v1/chat/completions'), ref('ChatCompletionRequest'));
  t.equal(ok('/v1/chat/completions'), ref('ChatCompletion'));
  t.ok(components.schemas.ChatCompletionChunk, 'the stream chunk is a component');
  t.equal(body('/v2/rerank'), ref('CompatRerankRequest'));
  t.equal(ok('/v2/rerank'), ref('CohereRerankResponse'));
  t.equal(ok('/v1/rerank'), ref('JinaRerankResponse'));
  t.equal(paths['/v1/rerank'].post.responses['404'].content['application/json'].schema.$ref, ref('CompatRerankError'));

  const weaviate = '/compat/weaviate/{name}';
  t.equal(body(`${weaviate}/vectors`), ref('WeaviateVectorsRequest'));
  t.equal(ok(`${weaviate}/vectors`), ref('WeaviateVectorsResponse'));
  t.equal(paths[`${weaviate}/vectors`].post.responses['404'].content['application/json'].schema.$ref, ref('WeaviateError'));
  t.notOk(paths[`${weaviate}/vectors/`], 'the trailing-slash alias is served but not documented twice');
  t.equal(body(`${weaviate}/rerank`), ref('WeaviateRerankRequest'));
  t.equal(ok(`${weaviate}/meta`, 'get'), ref('WeaviateMeta'));
  for (const probe of ['live', 'ready']) t.ok(paths[`${weaviate}/.well-known/${probe}`].get.responses['204'], `${probe} documents 204`);

  for (const name of ['OpenAIEmbeddingsRequest', 'ChatCompletionRequest', 'CompatRerankRequest', 'WeaviateVectorsRequest', 'WeaviateRerankRequest']) {
    t.ok(components.schemas[name].examples?.length > 0, `${name} has an example`);
  }
  const compatOperations = Object.values(paths).flatMap((item) => Object.values(item as Record<string, { tags?: string[] }>));
  t.equal(compatOperations.filter((op) => op.tags?.includes('compat')).length, 11, 'eleven compat operations');
});
