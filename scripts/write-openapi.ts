// npm run openapi: writes openapi/openapi.json and openapi/openapi.yaml.
import { mkdir, writeFile } from 'node:fs/promises';
import { OPENAPI_DIR, generateOpenApi } from './openapi.js';

const { json, yaml } = await generateOpenApi();
await mkdir(OPENAPI_DIR, { recursive: true });
await writeFile(new URL('openapi.json', OPENAPI_DIR), json);
await writeFile(new URL('openapi.yaml', OPENAPI_DIR), yaml);
console.log('wrote openapi/openapi.json and openapi/openapi.yaml');
