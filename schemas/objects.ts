import { Type } from '@sinclair/typebox';

export const ObjectParams = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' }),
  key: Type.String({ minLength: 1, maxLength: 512, description: 'object key (URL-encode slashes and specials)' }),
});

export const ObjectListQuery = Type.Object({
  prefix: Type.Optional(Type.String({ default: '' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});

export const ObjectList = Type.Object(
  {
    objects: Type.Array(Type.Object({ key: Type.String(), size: Type.Integer(), contentType: Type.String() })),
  },
  { $id: 'ObjectList' },
);

export const ObjectStored = Type.Object({ key: Type.String(), size: Type.Integer() }, { $id: 'ObjectStored' });
