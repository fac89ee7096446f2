import { ref } from './common.js';
import { Type } from '@sinclair/typebox';

export const IdentitySchema = Type.Object(
  {
    subject: Type.String(),
    roles: Type.Array(Type.String()),
    claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Identity' },
);

export const AuthenticateRequest = Type.Object(
  {
    token: Type.Optional(Type.String({ description: 'API key or bearer token' })),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  },
  { $id: 'AuthenticateRequest' },
);

export const AuthenticateResponse = Type.Object(
  { authenticated: Type.Boolean(), identity: Type.Optional(ref(IdentitySchema)) },
  { $id: 'AuthenticateResponse' },
);

export const AuthorizeRequest = Type.Object(
  {
    identity: ref(IdentitySchema),
    resource: Type.String({ examples: ['plugins/hash-embedder'] }),
    action: Type.String({ examples: ['invoke'] }),
  },
  { $id: 'AuthorizeRequest' },
);

export const AuthorizeResponse = Type.Object(
  { allowed: Type.Boolean(), reason: Type.Optional(Type.String()) },
  { $id: 'AuthorizeResponse' },
);
