// Request loggers are made on the request's first log line; lines still carry the request id.
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import t from 'tap';
import { lazyChildLoggerFactory } from '../../src/http/request-logger.js';
import { buildTestApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';

function parentLogger() {
  const { stream, lines } = captureLog();
  let children = 0;
  // pino calls onChild for every child made, at any depth.
  const logger = pino({ level: 'info', onChild: () => children++ }, stream) as unknown as FastifyBaseLogger;
  return { logger, lines, children: () => children };
}

const make = (logger: FastifyBaseLogger, bindings: object) =>
  lazyChildLoggerFactory.call(undefined as never, logger, bindings, {}, undefined as never) as FastifyBaseLogger;

t.test('no child logger until the first line; every level then logs with the bindings', async (t) => {
  const parent = parentLogger();
  const log = make(parent.logger, { reqId: 'req-7' });
  t.equal(log.level, 'info', 'the level is the parent’s');
  t.equal(parent.children(), 0, 'nothing made for a request that does not log');
  for (const level of ['fatal', 'error', 'warn', 'info'] as const) log[level]({ n: 1 }, `${level} line`);
  log.debug('below the level');
  (log as unknown as { silent(): void }).silent();
  t.equal(parent.children(), 1, 'one child, made once');
  const records = parent.lines.map((l) => JSON.parse(l));
  t.same(
    records.map((r) => [r.msg, r.reqId, r.n]),
    [
      ['fatal line', 'req-7', 1],
      ['error line', 'req-7', 1],
      ['warn line', 'req-7', 1],
      ['info line', 'req-7', 1],
    ],
  );
  log.level = 'debug';
  log.debug('now shown');
  log.child({ part: 'x' }).info('nested');
  const last = parent.lines.slice(-2).map((l) => JSON.parse(l));
  t.same(last.map((r) => [r.msg, r.reqId, r.part]), [['now shown', 'req-7', undefined], ['nested', 'req-7', 'x']]);
  t.equal(parent.children(), 2, 'the nested child is a child of the request’s child');
});

t.test('the app’s request log lines carry the request id', async (t) => {
  const { app, logs } = await buildTestApp(t);
  const response = await app.inject({ method: 'POST', url: '/plugins/no-such-plugin/vectorize', payload: { text: 'a' } });
  t.equal(response.statusCode, 404);
  const line = logs().split('\n').find((l) => l.includes('MODGATE_PLUGIN_NOT_FOUND'));
  t.ok(line, 'the refusal is logged');
  t.match(JSON.parse(line!), { reqId: /^req-/, code: 'MODGATE_PLUGIN_NOT_FOUND' });
});
