import t from 'tap';
import { formatBytes, parseCpu, parseDuration, parseMemory } from '../src/core/units.js';

const label = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

t.test('parseMemory: every unit and plain byte counts', async (t) => {
  const cases: Array<[string | number, number]> = [
    ['1Ki', 1024],
    ['64Mi', 64 * 1024 ** 2],
    ['2Gi', 2 * 1024 ** 3],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['0.5Ki', 512],
    ['1K', 1000],
    ['64M', 64_000_000],
    ['2G', 2_000_000_000],
    ['2.2K', 2200],
    ['1048576', 1_048_576],
    [' 8Mi ', 8 * 1024 ** 2],
    [4096, 4096],
  ];
  for (const [input, bytes] of cases) t.equal(parseMemory(input), bytes, label(input));
});

t.test('parseMemory: bad input says what to write', async (t) => {
  const hint = '(use Ki, Mi, Gi, K, M, G or a byte count)';
  const cases: Array<[string | number, string]> = [
    ['2Gx', `"2Gx" is not a quantity ${hint}`],
    ['64MB', `"64MB" is not a quantity ${hint}`],
    ['64 Mi', `"64 Mi" is not a quantity ${hint}`],
    ['Mi', `"Mi" is not a quantity ${hint}`],
    ['-1Mi', `"-1Mi" is not a quantity ${hint}`],
    ['', `"" is not a quantity ${hint}`],
    ['1Ti', `"1Ti" is not a quantity ${hint}`],
    ['1.5', `"1.5" is not a whole number of bytes ${hint}`],
    ['0.1Ki', '"0.1Ki" is not a whole number of bytes'],
    ['0', '"0" must be greater than 0'],
    ['0Mi', '"0Mi" must be greater than 0'],
    [0, '0 must be greater than 0'],
    [-5, '-5 must be greater than 0'],
    [1.5, `1.5 is not a whole number of bytes ${hint}`],
    [Number.NaN, `NaN is not a whole number of bytes ${hint}`],
    ['99999999999Gi', '"99999999999Gi" is too large'],
  ];
  for (const [input, message] of cases) t.throws(() => parseMemory(input), { message }, label(input));
});

t.test('parseCpu: millicores and cores', async (t) => {
  const cases: Array<[string | number, number]> = [
    ['500m', 500],
    ['1000m', 1000],
    ['1m', 1],
    ['2', 2000],
    ['0.5', 500],
    ['1.25', 1250],
    ['0.001', 1],
    [2, 2000],
    [0.5, 500],
    [0.3, 300],
  ];
  for (const [input, millis] of cases) t.equal(parseCpu(input), millis, label(input));
});

t.test('parseCpu: bad input', async (t) => {
  const hint = '(use millicores like 500m or cores like 2 or 0.5)';
  const cases: Array<[string | number, string]> = [
    ['abc', `"abc" is not a cpu quantity ${hint}`],
    ['500x', `"500x" is not a cpu quantity ${hint}`],
    ['1.5m', `"1.5m" is not a cpu quantity ${hint}`],
    ['-1', `"-1" is not a cpu quantity ${hint}`],
    ['', `"" is not a cpu quantity ${hint}`],
    ['0m', '"0m" must be greater than 0'],
    ['0', '"0" must be greater than 0'],
    [0, '0 must be greater than 0'],
    ['0.0005', '"0.0005" is not a whole number of millicores (1m is the finest step)'],
    [Number.POSITIVE_INFINITY, `Infinity is not a cpu quantity ${hint}`],
  ];
  for (const [input, message] of cases) t.throws(() => parseCpu(input), { message }, label(input));
});

t.test('parseDuration: every unit and plain milliseconds', async (t) => {
  const cases: Array<[string | number, number]> = [
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['750', 750],
    [1200, 1200],
  ];
  for (const [input, ms] of cases) t.equal(parseDuration(input), ms, label(input));
});

t.test('parseDuration: bad input', async (t) => {
  const hint = '(use ms, s, m or h, e.g. 250ms or 5s, or a number of milliseconds)';
  const cases: Array<[string | number, string]> = [
    ['5 sec', `"5 sec" is not a duration ${hint}`],
    ['5d', `"5d" is not a duration ${hint}`],
    ['s', `"s" is not a duration ${hint}`],
    ['-5s', `"-5s" is not a duration ${hint}`],
    ['0s', '"0s" must be greater than 0'],
    [0, '0 must be greater than 0'],
    ['1.5ms', '"1.5ms" is not a whole number of milliseconds'],
    [2.5, '2.5 is not a whole number of milliseconds'],
    [Number.NaN, `NaN is not a duration ${hint}`],
  ];
  for (const [input, message] of cases) t.throws(() => parseDuration(input), { message }, label(input));
});

t.test('parsers refuse values of the wrong JavaScript type', async (t) => {
  t.throws(() => parseMemory(true as unknown as string), { message: /^true is not a quantity/ });
  t.throws(() => parseCpu(null as unknown as string), { message: /^null is not a cpu quantity/ });
  t.throws(() => parseDuration({} as unknown as string), { message: /is not a duration/ });
});

t.test('formatBytes', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [64 * 1024 ** 2, '64 MiB'],
    [1.25 * 1024 ** 3, '1.25 GiB'],
    [123.4 * 1024 ** 2, '123.4 MiB'],
    [-2048, '-2 KiB'],
  ];
  for (const [bytes, text] of cases) t.equal(formatBytes(bytes), text, String(bytes));
});
