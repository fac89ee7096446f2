// Secrets never reach the log: every path of REDACT_PATHS is censored as *** by the logger
// createLogger builds (and so by the app's logger), while other fields are kept as they are.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { REDACT_PATHS, buildApp, createLogger } from '../../src/app.js';
import { captureLog as capture } from '../helpers/log-capture.js';


// One distinct value per redacted path, so a leak says which path leaked.
const SECRETS = {
  authorization: 'Bearer secret-authorization-1111',
  apiKeyHeader: 'secret-x-api-key-2222',
  cookie: 'session=secret-cookie-3333',
  password: 'secret-password-4444',
  token: 'secret-token-5555',
  apiKey: 'secret-apikey-6666',
  adminToken: 'secret-nested-admin-7777',
  configAdminToken: 'secret-config-admin-8888',
  configApiKeys: ['secret-config-key-9999', 'secret-config-key-0000'],
};
const ALL_SECRET_VALUES = [...Object.values(SECRETS).flat(), ...SECRETS.cookie.split('='), SECRETS.authorization.split(' ')[1]];

function secretRecord() {
  return {
    req: {
      method: 'POST',
      url: '/plugins/hash-embedder/vectorize',
      headers: {
        authorization: SECRETS.authorization,
        'x-api-key': SECRETS.apiKeyHeader,
        cookie: SECRETS.cookie,
        'user-agent': 'curl/8.0',
      },
    },
    x: {
      password: SECRETS.password,
      token: SECRETS.token,
      apiKey: SECRETS.apiKey,
      adminToken: SECRETS.adminToken,
      username: 'alice',
    },
    config: { adminToken: SECRETS.configAdminToken, apiKeys: SECRETS.configApiKeys, port: 8080 },
  };
}

const REDACTED = {
  req: {
    method: 'POST',
    url: '/plugins/hash-embedder/vectorize',
    headers: { authorization: '***', 'x-api-key': '***', cookie: '***', 'user-agent': 'curl/8.0' },
  },
  x: { password: '***', token: '***', apiKey: '***', adminToken: '***', username: 'alice' },
  config: { adminToken: '***', apiKeys: '***', port: 8080 },
};

t.test('REDACT_PATHS covers the secrets this test logs', async (t) => {
  for (const path of [
    '*.adminToken',
    '*.apiKey',
    '*.password',
    '*.token',
    'config.adminToken',
    'config.apiKeys',
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
  ]) {
    t.ok(REDACT_PATHS.includes(path), path);
  }
});

t.test('createLogger censors every redacted path and keeps the rest', async (t) => {
  const out = capture();
  const logger = createLogger('info', out.stream);
  const record = secretRecord();
  logger.info(record, 'a request with secrets');
  logger.warn({ x: { token: SECRETS.token, note: 'kept' } }, 'a second line');

  const text = out.text();
  for (const secret of ALL_SECRET_VALUES) t.notOk(text.includes(secret), `"${secret}" is not in the log`);
  t.equal(text.match(/"\*\*\*"/g)?.length, 10, 'nine paths in the first line (apiKeys as a whole), one in the second');

  const [first, second] = out.records();
  t.match(first, { level: 30, msg: 'a request with secrets', ...REDACTED });
  t.same(first.req, REDACTED.req, 'exactly the secret headers are censored');
  t.same(first.x, REDACTED.x);
  t.same(first.config, REDACTED.config, 'the whole apiKeys list is censored, not its items one by one');
  t.same(second.x, { token: '***', note: 'kept' });
  t.equal(second.msg, 'a second line');

  // Redaction works on a copy: the object the caller logged is left alone.
  t.same(record, secretRecord());
});

t.test('wildcard paths censor the key under any top-level field', async (t) => {
  const out = capture();
  const logger = createLogger('info', out.stream);
  logger.info({ plugin: { password: SECRETS.password, name: 'db' }, upstream: { apiKey: SECRETS.apiKey, token: SECRETS.token } });
  const [line] = out.records();
  t.same(line.plugin, { password: '***', name: 'db' });
  t.same(line.upstream, { apiKey: '***', token: '***' });
  t.notOk(out.text().includes('secret-'), 'no secret value in the output');
});

t.test('child loggers and lines below the level', async (t) => {
  const out = capture();
  const logger = createLogger('info', out.stream);
  logger.child({ plugin: 'hash-embedder' }).info(secretRecord(), 'from a child');
  logger.debug(secretRecord(), 'below the level');
  const records = out.records();
  t.equal(records.length, 1, 'the debug line is not written');
  t.match(records[0], { plugin: 'hash-embedder', msg: 'from a child', ...REDACTED });
  for (const secret of ALL_SECRET_VALUES) t.notOk(out.text().includes(secret), `"${secret}" is not in the child's log`);
});

t.test("the app's logger (buildApp with a log stream) redacts the same way", async (t) => {
  const out = capture();
  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-redact-'));
  const app = await buildApp({ env: {}, config: { logLevel: 'info', pluginsDirs: [], dataDir }, logStream: out.stream });
  t.teardown(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  app.log.info(secretRecord(), 'through the app');
  const mine = out.records<{ msg?: string; req?: { headers?: unknown }; [field: string]: unknown }>().filter((r) => r.msg === 'through the app');
  t.equal(mine.length, 1);
  t.same(mine[0].x, REDACTED.x);
  t.same(mine[0].config, REDACTED.config);
  // Fastify's own req serializer keeps method and url and drops headers; should it ever print
  // them, they must be the censored ones.
  t.match(mine[0].req, { method: 'POST', url: '/plugins/hash-embedder/vectorize' });
  if (mine[0].req?.headers !== undefined) t.same(mine[0].req.headers, REDACTED.req.headers);
  for (const secret of ALL_SECRET_VALUES) t.notOk(out.text().includes(secret), `"${secret}" is not in the app log`);
});

// pino's `*.password` matches one level below the top only: REDACT_PATHS lists each secret key
// at the top level, one and two levels down.
t.test('secret keys at other depths are censored too', async (t) => {
  const out = capture();
  const logger = createLogger('info', out.stream);
  logger.info({ password: 'secret-top-level', plugin: { spec: { token: 'secret-two-levels-down' } } });
  t.notOk(out.text().includes('secret-top-level'), 'a top-level password is censored');
  t.notOk(out.text().includes('secret-two-levels-down'), 'a token two levels down is censored');
});
