// A writable stream that keeps what a logger writes, for assertions on log lines.
import { Writable } from 'node:stream';

export interface LogCapture {
  stream: Writable;
  /** Every chunk written so far, in order. */
  lines: string[];
  /** Everything written, as one string. */
  text(): string;
  /** Everything written, one parsed JSON object per line. */
  records<T = Record<string, unknown>>(): T[];
}

export function captureLog(): LogCapture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const text = () => lines.join('');
  return {
    stream,
    lines,
    text,
    records: <T>() =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as T),
  };
}
