import t from 'tap';
import plugin from '../../plugins/api-key-auth/src/index.js';
import { findIdentity, parseKeys } from '../../plugins/api-key-auth/src/keys.js';
import { decide, globMatches, parseRules } from '../../plugins/api-key-auth/src/rules.js';
import type { Auth, PluginLogger } from '../../sdk/typescript/src/index.js';

const ctx = () => ({ signal: new AbortController().signal, timeoutMs: 5000 });

const ALICE_KEY = 'k-alice-0123456789abcdef';
const BOB_KEY = 'k-bob-0123456789abcdef==';
const COMPACT = `${ALICE_KEY}=alice:admin|reader, ${BOB_KEY}=bob:reader`;
const JSON_KEYS = JSON.stringify({
  [ALICE_KEY]: { subject: 'alice', roles: ['admin', 'reader'] },
  [BOB_KEY]: { subject: 'bob', roles: ['reader'] },
});
const RULES = 'admin:*:*,reader:plugins/*:invoke,*:health:read';

function recorder() {
  const lines: string[] = [];
  const log: PluginLogger = {
    debug: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(m),
  };
  return { lines, log };
}

async function makeAuth(config: Record<string, unknown>): Promise<Auth> {
  return plugin.create({ config, log: recorder().log, dataDir: '/nonexistent' });
}

for (const [form, keys] of [['compact', COMPACT], ['JSON', JSON_KEYS]] as const) {
  t.test(`authenticate with ${form} keys`, async (t) => {
    const auth = await makeAuth({ keys, rules: RULES });
    t.same(await auth.authenticate({ token: ALICE_KEY }, ctx()), { subject: 'alice', roles: ['admin', 'reader'] });
    t.same(await auth.authenticate({ token: BOB_KEY }, ctx()), { subject: 'bob', roles: ['reader'] });
    t.equal(await auth.authenticate({ token: 'k-alice-0123456789abcdeX' }, ctx()), null, 'one character off');
    t.equal(await auth.authenticate({ token: ALICE_KEY + ' ' }, ctx()), null, 'different length');
    t.equal(await auth.authenticate({ token: 'x' }, ctx()), null);
    t.equal(await auth.authenticate({ token: '' }, ctx()), null);
    t.equal(await auth.authenticate({}, ctx()), null, 'missing token');
    t.equal(await auth.authenticate({ username: 'alice', password: ALICE_KEY }, ctx()), null, 'only token counts');
  });
}

t.test('returned identities are copies', async (t) => {
  const { entries } = parseKeys(COMPACT);
  const first = findIdentity(entries, BOB_KEY)!;
  first.roles.push('admin');
  t.same(findIdentity(entries, BOB_KEY), { subject: 'bob', roles: ['reader'] });
});

t.test('compact form details', async (t) => {
  const { entries, shortKeys } = parseKeys('short=svc\nabc===carol:writer , ');
  t.equal(entries.length, 2);
  t.equal(shortKeys, 2);
  t.same(findIdentity(entries, 'short'), { subject: 'svc', roles: [] }, 'roles may be left out');
  t.same(findIdentity(entries, 'abc=='), { subject: 'carol', roles: ['writer'] }, 'key ends at the last "="');
});

t.test('authorize: rule matching with globs', async (t) => {
  const auth = await makeAuth({ keys: COMPACT, rules: RULES });
  const alice = { subject: 'alice', roles: ['admin', 'reader'] };
  const bob = { subject: 'bob', roles: ['reader'] };
  const nobody = { subject: 'svc', roles: [] };

  t.same(await auth.authorize(alice, 'admin/plugins', 'delete', ctx()), {
    allowed: true,
    reason: 'rule admin:*:* grants role "admin" "delete" on "admin/plugins"',
  });
  t.same(await auth.authorize(bob, 'plugins/summarizer', 'invoke', ctx()), {
    allowed: true,
    reason: 'rule reader:plugins/*:invoke grants role "reader" "invoke" on "plugins/summarizer"',
  });
  t.equal((await auth.authorize(bob, 'plugins/a/b', 'invoke', ctx())).allowed, true, '* crosses "/"');
  t.same(await auth.authorize(bob, 'plugins/summarizer', 'delete', ctx()), {
    allowed: false,
    reason: 'no rule grants "bob" (roles [reader]) "delete" on "plugins/summarizer"',
  });
  t.same(await auth.authorize(bob, 'plugins', 'invoke', ctx()), {
    allowed: false,
    reason: 'no rule grants "bob" (roles [reader]) "invoke" on "plugins"',
  });
  t.same(await auth.authorize(nobody, 'health', 'read', ctx()), {
    allowed: true,
    reason: 'rule *:health:read grants every identity "read" on "health"',
  });
  t.same(await auth.authorize(nobody, 'plugins/x', 'invoke', ctx()), {
    allowed: false,
    reason: 'no rule grants "svc" (no roles) "invoke" on "plugins/x"',
  });
  await t.rejects(auth.authorize({ subject: 'x' } as never, 'r', 'a', ctx()), { code: 'MODGATE_VALIDATION' });
  await t.rejects(auth.authorize(bob, '', 'invoke', ctx()), { code: 'MODGATE_VALIDATION' });
});

t.test('default rules grant admins everything and nobody else anything', async (t) => {
  const auth = await makeAuth({ keys: COMPACT });
  t.equal((await auth.authorize({ subject: 'alice', roles: ['admin'] }, 'anything', 'at-all', ctx())).allowed, true);
  t.equal((await auth.authorize({ subject: 'bob', roles: ['reader'] }, 'plugins/x', 'invoke', ctx())).allowed, false);
});

t.test('globs and rule parsing', async (t) => {
  t.ok(globMatches('plugins/*', 'plugins/x'));
  t.ok(globMatches('*', ''));
  t.ok(globMatches('a*c*e', 'abcde'));
  t.notOk(globMatches('plugins/*', 'xplugins/x'), 'anchored at the start');
  t.notOk(globMatches('plugins.x', 'pluginsXx'), '"." is literal');
  t.notOk(globMatches('a+', 'aa'), '"+" is literal');
  t.same(
    parseRules(' reader : urn:doc:* : read \n').map((r) => [r.role, r.resource, r.action]),
    [['reader', 'urn:doc:*', 'read']],
    'resource may contain ":"',
  );
  t.equal(decide(parseRules('reader:urn:doc:*:read'), { subject: 's', roles: ['reader'] }, 'urn:doc:7', 'read').allowed, true);
  t.same(parseRules(''), [], 'empty rules deny everything');
  t.throws(() => parseRules('admin:*'), { code: 'MODGATE_CONFIG_INVALID', message: /entry 1 \("admin:\*"\).*role:resourceGlob:action/ });
  t.throws(() => parseRules('a:b:c,::x'), { code: 'MODGATE_CONFIG_INVALID', message: /entry 2/ });
  t.throws(() => parseRules(42), { code: 'MODGATE_CONFIG_INVALID' });
});

t.test('malformed keys config: create() throws a clear error without leaking keys', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['   ', /must be a JSON object/],
    ['{"secret-key-1": ', /not valid JSON/],
    ['["secret-key-1"]', /must be a JSON object/],
    ['{"secret-key-1": "alice"}', /entry 1: value must be an object/],
    ['{"secret-key-1": {"roles": ["admin"]}}', /entry 1: subject must be/],
    ['{"secret-key-1": {"subject": "alice", "roles": "admin"}}', /entry 1: roles must be an array/],
    ['{"secret-key-1": {"subject": "alice", "roles": ["a b"]}}', /entry 1: each role must be/],
    ['{}', /defines no keys/],
    ['secret-key-1', /entry 1: expected key=subject:role1\|role2/],
    ['secret-key-1=alice:admin,=bob', /entry 2: expected key=subject/],
    ['secret-key-1=alice:admin:extra', /one ":" at most/],
    ['secret-key-1=:admin', /entry 1: subject must be/],
    ['secret-key-1=alice:admin|', /entry 1: each role must be/],
    ['secret-key-1=alice,secret-key-1=bob', /entry 2: the same key appears twice/],
    [42, /must be a JSON object/],
  ];
  for (const [keys, message] of cases) {
    let thrown: unknown;
    try {
      await makeAuth({ keys });
    } catch (err) {
      thrown = err;
    }
    t.match(thrown, { code: 'MODGATE_CONFIG_INVALID', message }, `keys=${JSON.stringify(keys)}`);
    t.notMatch((thrown as Error).message, /secret-key-1/, 'the key itself is not in the message');
  }
});

t.test('no keys configured: loads, authenticates nobody, warns how to set them', async (t) => {
  const { lines, log } = recorder();
  const auth = await plugin.create({ config: { keys: '', rules: 'admin:*:*' }, log, dataDir: '/nonexistent' });
  t.equal(await auth.authenticate({ token: 'anything-at-all-long' }, ctx()), null);
  t.ok(lines.some((l) => l.startsWith('WARN api-key-auth: no keys configured')));
});

t.test('short keys are logged as a warning, keys never are', async (t) => {
  const { lines, log } = recorder();
  await plugin.create({ config: { keys: 'tiny=svc:reader,' + COMPACT }, log, dataDir: '/nonexistent' });
  t.ok(lines.some((l) => l === 'WARN api-key-auth: 1 key(s) shorter than 16 characters are easy to guess'));
  t.notOk(lines.some((l) => l.includes('tiny') || l.includes(ALICE_KEY)));
});
