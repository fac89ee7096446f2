// Every named schema, registered once with app.addSchema so OpenAPI shows them as components.
import { ErrorResponse, PluginNameParams } from './common.js';
import { ConfigPatch, PluginVersion, PluginVersions, RollbackRequest } from './admin.js';
import { AuthenticateRequest, AuthenticateResponse, AuthorizeRequest, AuthorizeResponse, IdentitySchema } from './auth.js';
import { COMPAT_SCHEMAS } from './compat/index.js';
import { HealthResponse } from './health.js';
import {
  GenerateRequest,
  GenerateResponse,
  RerankRequest,
  RerankResponse,
  TransformRequest,
  TransformResponse,
  VectorizeRequest,
  VectorizeResponse,
} from './invoke.js';
import { ObjectList, ObjectStored } from './objects.js';
import { PluginDetail, PluginHealth, PluginList, PluginSummary } from './plugins.js';

export const SHARED_SCHEMAS = [
  ErrorResponse,
  PluginNameParams,
  PluginSummary,
  PluginList,
  PluginDetail,
  PluginHealth,
  PluginVersion,
  PluginVersions,
  RollbackRequest,
  ConfigPatch,
  VectorizeRequest,
  VectorizeResponse,
  TransformRequest,
  TransformResponse,
  RerankRequest,
  RerankResponse,
  GenerateRequest,
  GenerateResponse,
  ObjectList,
  ObjectStored,
  IdentitySchema,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthorizeRequest,
  AuthorizeResponse,
  HealthResponse,
  ...COMPAT_SCHEMAS,
];
