// Admission in front of the worker pool: slots, per-plugin limits, the bounded queue, aborts.
import t from 'tap';
import { ModgateError } from '../../src/errors.js';
import { concurrencyFor } from '../../src/runtimes/wasm/wasm-runtime.js';
import { Scheduler } from '../../src/runtimes/wasm/scheduler.js';

const never = new AbortController().signal;
const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('resources.cpu -> concurrent calls', async (t) => {
  t.equal(concurrencyFor(500), 1);
  t.equal(concurrencyFor(1000), 1);
  t.equal(concurrencyFor(1500), 1);
  t.equal(concurrencyFor(2000), 2);
  t.equal(concurrencyFor(8000), 8);
});

t.test('a plugin never runs more than its limit; others use the free slots', async (t) => {
  const scheduler = new Scheduler(3, 10);
  const a1 = await scheduler.acquire('a', 1, never);
  let a2Started = false;
  const a2 = scheduler.acquire('a', 1, never).then((release) => {
    a2Started = true;
    return release;
  });
  const b1 = await scheduler.acquire('b', 2, never);
  const b2 = await scheduler.acquire('b', 2, never);
  await tick();
  t.equal(a2Started, false, 'a waits for its own call, not for a slot');
  t.same(scheduler.stats('a'), { running: 1, waiting: 1 });
  t.same(scheduler.stats('b'), { running: 2, waiting: 0 });
  t.equal(scheduler.totalRunning, 3);
  b1();
  await tick();
  t.equal(a2Started, false, 'a free slot does not lift a plugin limit');
  a1();
  const release = await a2;
  t.equal(a2Started, true);
  t.same(scheduler.stats('a'), { running: 1, waiting: 0 });
  release();
  b2();
  release(); // releasing twice is harmless
  t.equal(scheduler.totalRunning, 0);
});

t.test('waiters start oldest first when slots free up', async (t) => {
  const scheduler = new Scheduler(1, 10);
  const first = await scheduler.acquire('x', 5, never);
  const order: string[] = [];
  const waits = ['y', 'z', 'x'].map((key) =>
    scheduler.acquire(key, 5, never).then((release) => {
      order.push(key);
      release();
    }),
  );
  first();
  await Promise.all(waits);
  t.same(order, ['y', 'z', 'x']);
});

t.test('a full queue is MODGATE_OVERLOADED with Retry-After', async (t) => {
  const scheduler = new Scheduler(1, 2);
  const running = await scheduler.acquire('a', 1, never);
  const queued = [scheduler.acquire('a', 1, never), scheduler.acquire('b', 1, never)];
  const err = await scheduler.acquire('c', 1, never).catch((e: unknown) => e);
  t.ok(err instanceof ModgateError);
  t.match(err, { code: 'MODGATE_OVERLOADED', statusCode: 503, retryAfter: 1, message: /2 calls are already waiting/ });
  running();
  for (const waiting of queued) (await waiting)();
  t.equal(scheduler.totalRunning, 0);
});

t.test('an aborted waiter leaves the queue with the signal’s reason and unblocks others', async (t) => {
  const scheduler = new Scheduler(2, 5);
  const a = await scheduler.acquire('a', 1, never);
  const controller = new AbortController();
  const aborted = scheduler.acquire('a', 1, controller.signal);
  t.equal(scheduler.totalWaiting, 1);
  const reason = new ModgateError('MODGATE_PLUGIN_TIMEOUT', 'too slow');
  controller.abort(reason);
  await t.rejects(aborted, reason);
  t.equal(scheduler.totalWaiting, 0);
  const done = new AbortController();
  done.abort(new Error('already gone'));
  await t.rejects(scheduler.acquire('b', 1, done.signal), /already gone/, 'an aborted signal is refused at once');
  a();
});

t.test('rejectAll empties the queue (shutdown)', async (t) => {
  const scheduler = new Scheduler(1, 5);
  const running = await scheduler.acquire('a', 1, never);
  const waiting = scheduler.acquire('a', 1, never);
  scheduler.rejectAll(new Error('closing'));
  await t.rejects(waiting, /closing/);
  running();
  t.equal(scheduler.totalRunning, 0);
});
