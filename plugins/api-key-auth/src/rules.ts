// Authorisation rules: "role:resourceGlob:actionGlob" entries, comma or newline separated.
// A rule grants; nothing denies. A request is allowed when any of the identity's roles has a
// rule whose resource and action globs both match. "*" in a glob matches any run of characters
// (including "/"); a rule whose role is "*" applies to every authenticated identity.
import type { AuthDecision, Identity } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';

export const DEFAULT_RULES = 'admin:*:*';

export interface Rule {
  role: string;
  resource: string;
  action: string;
  /** The rule as written, for decision reasons. */
  text: string;
  resourcePattern: RegExp;
  actionPattern: RegExp;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

export function globMatches(glob: string, value: string): boolean {
  return globToRegExp(glob).test(value);
}

/**
 * The role ends at the first ":" and the action starts after the last one, so a resource glob
 * may itself contain ":" (e.g. "urn:doc:*").
 */
export function parseRules(config: unknown): Rule[] {
  const text = config === undefined || config === null ? DEFAULT_RULES : config;
  if (typeof text !== 'string') throw new ModgateError('MODGATE_CONFIG_INVALID', 'api-key-auth: config.rules must be a string');
  const entries = text.split(/[,\n]/).map((e) => e.trim()).filter((e) => e !== '');
  return entries.map((entry, i) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    const role = entry.slice(0, first).trim();
    const resource = entry.slice(first + 1, last).trim();
    const action = entry.slice(last + 1).trim();
    if (first < 0 || first === last || role === '' || resource === '' || action === '') {
      throw new ModgateError(
        'MODGATE_CONFIG_INVALID',
        `api-key-auth: config.rules entry ${i + 1} ("${entry}") must look like role:resourceGlob:action, e.g. reader:plugins/*:invoke`,
      );
    }
    const normalised = `${role}:${resource}:${action}`;
    return { role, resource, action, text: normalised, resourcePattern: globToRegExp(resource), actionPattern: globToRegExp(action) };
  });
}

export function checkIdentity(identity: unknown): Identity {
  const record = identity as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || typeof record.subject !== 'string') {
    throw new ModgateError('MODGATE_VALIDATION', 'identity must be an object with a string "subject" and a "roles" array');
  }
  if (!Array.isArray(record.roles) || !record.roles.every((r) => typeof r === 'string')) {
    throw new ModgateError('MODGATE_VALIDATION', 'identity.roles must be an array of strings');
  }
  return record as unknown as Identity;
}

export function decide(rules: readonly Rule[], identity: Identity, resource: string, action: string): AuthDecision {
  if (typeof resource !== 'string' || resource === '') throw new ModgateError('MODGATE_VALIDATION', 'resource must be a non-empty string');
  if (typeof action !== 'string' || action === '') throw new ModgateError('MODGATE_VALIDATION', 'action must be a non-empty string');
  for (const rule of rules) {
    const roleMatches = rule.role === '*' || identity.roles.includes(rule.role);
    if (roleMatches && rule.resourcePattern.test(resource) && rule.actionPattern.test(action)) {
      const by = rule.role === '*' ? 'every identity' : `role "${rule.role}"`;
      return { allowed: true, reason: `rule ${rule.text} grants ${by} "${action}" on "${resource}"` };
    }
  }
  const roles = identity.roles.length === 0 ? 'no roles' : `roles [${identity.roles.join(', ')}]`;
  return {
    allowed: false,
    reason: `no rule grants "${identity.subject}" (${roles}) "${action}" on "${resource}"`,
  };
}
