import { Type } from '@sinclair/typebox';

export const HealthResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('starting'), Type.Literal('stopping')]),
    plugins: Type.Optional(Type.Object({ ready: Type.Integer(), failed: Type.Integer(), total: Type.Integer() })),
  },
  { $id: 'HealthResponse' },
);
