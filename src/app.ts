// buildApp(options): the Fastify instance with every route. It never listens; server.ts does,
// and tests use app.inject or listen on an ephemeral port themselves.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { SHARED_SCHEMAS } from '../schemas/index.js';
import { loadConfig, type Config } from './config.js';
import { createGateway, type Gateway } from './gateway.js';
import { registerErrorHandling } from './http/error-handler.js';
import { lazyChildLoggerFactory } from './http/request-logger.js';
import { GatewayMetrics } from './http/metrics.js';
import { registerSwagger } from './http/swagger.js';
import { registerValidation } from './http/validation.js';
import { registerRoutes } from '../routes/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

export interface AppOptions {
  /** Values that win over the environment. */
  config?: Partial<Config>;
  env?: NodeJS.ProcessEnv;
  /** Where log lines go (tests capture them); default stdout. */
  logStream?: DestinationStream;
}

/** Paths pino must never print; secrets declared by manifests are redacted before logging. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  // Keys that hold secrets wherever they appear in the top three levels of a log line.
  ...['password', 'token', 'apiKey', 'adminToken'].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'config.adminToken',
  'config.apiKeys',
];

export function createLogger(level: string, stream?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '***' } };
  return stream ? pino(options, stream) : pino(options);
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig(options.env ?? process.env, options.config);
  const logger = createLogger(config.logLevel, options.logStream);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // Per-request lines only at debug: at 10k req/s they would be most of the gateway's work.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    childLoggerFactory: lazyChildLoggerFactory,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = new GatewayMetrics();
  const gateway = createGateway(config, logger, metrics);
  metrics.attach(gateway.manager);
  app.decorate('gateway', gateway);
  app.decorate('metrics', metrics);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  registerValidation(app);
  registerErrorHandling(app);
  await registerSwagger(app);
  await registerRoutes(app);

  app.addHook('onReady', async () => {
    // Discovery runs in the background: /health/ready answers 503 until it is done.
    gateway.start().catch((err: unknown) => app.log.error({ err }, 'plugin discovery failed'));
  });
  // Answers still in flight when shutdown starts close their connection after being sent, so
  // keep-alive sockets do not hold the server open until the grace period ends.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style: an async hook costs a promise per request (measured in bench/).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    await gateway.started.catch(() => undefined);
    await gateway.manager.close();
  });
  return app;
}
