import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A reference to a named (registered) schema that keeps the schema's static type. */
export function ref<T extends TSchema>(schema: T) {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ examples: [404] }),
    code: Type.String({ description: 'stable MODGATE_* error code', examples: ['MODGATE_PLUGIN_NOT_FOUND'] }),
    error: Type.String({ description: 'HTTP reason phrase', examples: ['Not Found'] }),
    message: Type.String({ description: 'what went wrong and what to fix', examples: ['no plugin named "x" is installed'] }),
    details: Type.Optional(Type.Unknown({ description: 'structured detail, e.g. every manifest problem with its path' })),
  },
  { $id: 'Error', description: 'Every error the gateway returns' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export const PluginNameParams = Type.Object(
  { name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', description: 'plugin name (metadata.name)' }) },
  { $id: 'PluginNameParams' },
);

/** Error responses for a route: each status refers to the shared Error component. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ref(ErrorResponse)]));
}
