// Request validation: bodies are validated strictly (a number where a string belongs is a 400,
// never silently turned into "42"); querystrings, params and headers arrive as strings, so
// they are coerced to the schema's types. Two Ajv instances, each knowing every shared schema.
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

export function registerValidation(app: FastifyInstance): void {
  const strict = createAjv(false);
  const coercing = createAjv(true);
  let synced = false;
  // Compilers run once per route at startup, after every addSchema call.
  const sync = () => {
    if (synced) return;
    synced = true;
    for (const schema of Object.values(app.getSchemas())) {
      const id = (schema as { $id?: string }).$id;
      if (id && !strict.getSchema(id)) strict.addSchema(schema as object);
      if (id && !coercing.getSchema(id)) coercing.addSchema(schema as object);
    }
  };
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }): ValidateFunction => {
    sync();
    const ajv = httpPart === 'body' ? strict : coercing;
    // A shared schema used directly (not through $ref) is already known by its $id.
    const id = (schema as { $id?: string }).$id;
    return (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema as object);
  });
}
