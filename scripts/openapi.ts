// The OpenAPI document as the app generates it, from a fixed configuration so the committed
// files do not depend on the machine's environment.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildApp } from '../src/app.js';

export const OPENAPI_DIR = new URL('../openapi/', import.meta.url);

export async function generateOpenApi(): Promise<{ json: string; yaml: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-openapi-'));
  const app = await buildApp({
    env: {},
    config: { pluginsDirs: [], dataDir, logLevel: 'silent', adminToken: 'openapi', registryDir: dataDir },
  });
  try {
    await app.ready();
    const document = app.swagger();
    return { json: `${JSON.stringify(document, null, 2)}\n`, yaml: stringify(document, { aliasDuplicateObjects: false }) };
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
