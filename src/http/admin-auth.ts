// Admin routes need `Authorization: Bearer <MODGATE_ADMIN_TOKEN>`. Without a configured token
// they are disabled, never open by accident.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModgateError } from '../errors.js';
import { bearerToken, secretsEqual } from './secrets.js';

export function adminGuard(adminToken: string | undefined) {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (adminToken === undefined) {
      throw new ModgateError(
        'MODGATE_ADMIN_DISABLED',
        'admin routes are disabled: start the gateway with MODGATE_ADMIN_TOKEN set to enable them',
      );
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw new ModgateError('MODGATE_UNAUTHORIZED', 'this admin route needs an Authorization: Bearer <admin token> header');
    }
    if (!secretsEqual(token, adminToken)) throw new ModgateError('MODGATE_FORBIDDEN', 'the admin token is not valid');
  };
}
