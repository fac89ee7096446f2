// api-key-auth: API keys -> identities, and role-based rules for what an identity may do.
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import { findIdentity, parseKeys, SHORT_KEY_LENGTH } from './keys.js';
import { checkIdentity, decide, parseRules } from './rules.js';

export default definePlugin({
  type: 'auth',
  create(host) {
    const { entries, shortKeys } = parseKeys(host.config.keys);
    const rules = parseRules(host.config.rules);
    if (shortKeys > 0) {
      host.log.warn(`api-key-auth: ${shortKeys} key(s) shorter than ${SHORT_KEY_LENGTH} characters are easy to guess`);
    }
    if (entries.length === 0) {
      host.log.warn('api-key-auth: no keys configured, so every authenticate fails; set config.keys (PATCH /plugins/api-key-auth/config)');
    }
    host.log.info(`api-key-auth: ${entries.length} key(s), ${rules.length} rule(s)`);
    return {
      async authenticate(credentials) {
        return findIdentity(entries, credentials?.token);
      },
      async authorize(identity, resource, action) {
        return decide(rules, checkIdentity(identity), resource, action);
      },
      health() {
        return { healthy: true, detail: `${entries.length} key(s), ${rules.length} rule(s)` };
      },
    };
  },
});
