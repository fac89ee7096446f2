import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { OPENAPI_DIR, generateOpenApi } from '../../scripts/openapi.js';

t.test('the committed OpenAPI files are what the app generates (run npm run openapi)', async (t) => {
  const { json, yaml } = await generateOpenApi();
  t.equal(await readFile(new URL('openapi.json', OPENAPI_DIR), 'utf8'), json, 'openapi/openapi.json is current');
  t.equal(await readFile(new URL('openapi.yaml', OPENAPI_DIR), 'utf8'), yaml, 'openapi/openapi.yaml is current');
});

t.test('the document is valid OpenAPI and names its components', async (t) => {
  const { json } = await generateOpenApi();
  const document = JSON.parse(json);
  const validated = await SwaggerParser.validate(structuredClone(document));
  t.equal(validated.info.title, 'modgate');
  for (const name of ['Error', 'VectorizeRequest', 'VectorizeResponse', 'RerankRequest', 'PluginDetail']) {
    t.ok(document.components.schemas[name], `component ${name}`);
  }
  const vectorize = document.paths['/plugins/{name}/vectorize'].post;
  t.equal(vectorize.requestBody.content['application/json'].schema.$ref, '#/components/schemas/VectorizeRequest');
  t.equal(vectorize.responses['404'].content['application/json'].schema.$ref, '#/components/schemas/Error');
});
