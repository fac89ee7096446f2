// Restart backoff: exponential delays, a cap, giving up after too many crashes in a row, reset.
import t from 'tap';
import { DEFAULT_BACKOFF, RestartBackoff } from '../../src/runtimes/grpc/backoff.js';

t.test('delays double up to the cap, then the supervisor gives up', async (t) => {
  const backoff = new RestartBackoff({ initialMs: 100, maxMs: 500, factor: 2, maxRestarts: 5 });
  const delays = Array.from({ length: 6 }, () => backoff.next());
  t.strictSame(delays, [100, 200, 400, 500, 500, undefined]);
  t.equal(backoff.count, 6);
  t.equal(backoff.next(), undefined, 'stays given up');
});

t.test('a process that stayed up resets the count', async (t) => {
  const backoff = new RestartBackoff({ initialMs: 10, maxMs: 1000, factor: 3, maxRestarts: 2 });
  t.equal(backoff.next(), 10);
  t.equal(backoff.next(), 30);
  backoff.reset();
  t.equal(backoff.count, 0);
  t.equal(backoff.next(), 10, 'from the first delay again');
});

t.test('maxRestarts 0 never restarts; defaults are sane; bad options are refused', async (t) => {
  t.equal(new RestartBackoff({ ...DEFAULT_BACKOFF, maxRestarts: 0 }).next(), undefined);
  t.equal(new RestartBackoff().next(), DEFAULT_BACKOFF.initialMs);
  t.throws(() => new RestartBackoff({ initialMs: 100, maxMs: 50, factor: 2, maxRestarts: 1 }), /invalid backoff options/);
  t.throws(() => new RestartBackoff({ initialMs: 1, maxMs: 5, factor: 0.5, maxRestarts: 1 }), /invalid backoff options/);
});
