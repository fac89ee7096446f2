import t from 'tap';
import { ConfigError, describeSettings, loadConfig } from '../src/config.js';

t.test('defaults', async (t) => {
  const config = loadConfig({});
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    pluginsDirs: ['plugins'],
    dataDir: './data',
    logLevel: 'info',
    adminToken: undefined,
    apiKeys: [],
    allowNativeUploads: false,
  });
});

t.test('environment values are parsed into their types', async (t) => {
  const config = loadConfig({
    PORT: '9090',
    MODGATE_PLUGINS_DIR: 'plugins:/opt/more-plugins',
    MODGATE_LOAD_TIMEOUT: '1500ms',
    MODGATE_DRAIN_TIMEOUT: '2s',
    MODGATE_BODY_LIMIT: '1Mi',
    MODGATE_API_KEYS: 'a, b ,,c',
    MODGATE_ALLOW_NATIVE_UPLOADS: 'true',
    LOG_LEVEL: 'warn',
  });
  t.equal(config.port, 9090);
  t.same(config.pluginsDirs, ['plugins', '/opt/more-plugins']);
  t.equal(config.loadTimeoutMs, 1500);
  t.equal(config.drainTimeoutMs, 2000);
  t.equal(config.bodyLimit, 1024 * 1024);
  t.same(config.apiKeys, ['a', 'b', 'c']);
  t.equal(config.allowNativeUploads, true);
  t.equal(config.logLevel, 'warn');
});

t.test('every bad value is reported at once, naming the variable and what it accepts', async (t) => {
  let error: unknown;
  try {
    loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MODGATE_ALLOW_NATIVE_UPLOADS: 'maybe', MODGATE_LOAD_TIMEOUT: 'soon' });
  } catch (err) {
    error = err;
  }
  t.ok(error instanceof ConfigError);
  const problems = (error as ConfigError).problems;
  t.equal(problems.length, 4);
  t.match(problems[0], 'PORT="eighty" is invalid: expected an integer from 0 to 65535');
  t.match((error as Error).message, /LOG_LEVEL="loud" is invalid: expected one of fatal, error, warn, info, debug, trace, silent/);
  t.match((error as Error).message, /MODGATE_ALLOW_NATIVE_UPLOADS="maybe" is invalid: expected true or false/);
  t.match((error as Error).message, /MODGATE_LOAD_TIMEOUT="soon"/);
});

t.test('overrides win over the environment; settings are described for --help', async (t) => {
  t.equal(loadConfig({ PORT: '1' }, { port: 2 }).port, 2);
  const port = describeSettings().find((s) => s.key === 'port');
  t.same(port, { key: 'port', env: 'PORT', default: 8080, help: 'TCP port to listen on' });
});
