// The handshake line parser: what is a handshake, what is ordinary output, what is refused.
import t from 'tap';
import { formatHandshake, HandshakeError, parseHandshake } from '../../src/runtimes/grpc/handshake.js';

t.test('unix and tcp handshakes', async (t) => {
  t.strictSame(parseHandshake('1|1|unix|/tmp/modgate-grpc-x/plugin.sock|grpc', [1]), {
    coreVersion: 1,
    protocolVersion: 1,
    network: 'unix',
    address: '/tmp/modgate-grpc-x/plugin.sock',
    target: 'unix:/tmp/modgate-grpc-x/plugin.sock',
  });
  t.strictSame(parseHandshake('1|1|tcp|127.0.0.1:50051|grpc\r', [1]), {
    coreVersion: 1,
    protocolVersion: 1,
    network: 'tcp',
    address: '127.0.0.1:50051',
    target: '127.0.0.1:50051',
  });
  t.equal(parseHandshake('  1|1|tcp|[::1]:7000|grpc  ', [1])?.target, '[::1]:7000', 'IPv6 and surrounding spaces');
  t.equal(parseHandshake('1|2|tcp|localhost:1|grpc', [1, 2])?.protocolVersion, 2, 'any supported version');
});

t.test('ordinary output is not a handshake', async (t) => {
  for (const line of ['', 'starting...', '1|2|3', 'a|1|unix|/x|grpc', '1|1|unix|/x', '{"level":"info"}', '1|1|unix|/x|grpc|extra']) {
    t.equal(parseHandshake(line, [1]), null, JSON.stringify(line));
  }
});

t.test('handshakes this gateway cannot accept are errors that say why', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['2|1|unix|/x.sock|grpc', /core protocol version 2; this gateway speaks 1/],
    ['1|3|unix|/x.sock|grpc', /plugin protocol version 3; this gateway supports 1/],
    ['1|1|unix|/x.sock|netrpc', /offers protocol "netrpc"; only "grpc" is supported/],
    ['1|1|unix|relative.sock|grpc', /unix socket address must be an absolute path/],
    ['1|1|tcp|127.0.0.1|grpc', /tcp address must be host:port/],
    ['1|1|tcp|127.0.0.1:70000|grpc', /tcp address must be host:port/],
    ['1|1|tcp|127.0.0.1:0|grpc', /tcp address must be host:port/],
    ['1|1|udp|127.0.0.1:5|grpc', /network "udp"; use "unix" or "tcp"/],
  ];
  for (const [line, message] of cases) {
    t.throws(() => parseHandshake(line, [1]), { name: 'HandshakeError', message }, line);
  }
  t.ok(new HandshakeError('x') instanceof Error);
});

t.test('formatHandshake is the inverse', async (t) => {
  const line = formatHandshake('unix', '/tmp/a/plugin.sock', 1);
  t.equal(line, '1|1|unix|/tmp/a/plugin.sock|grpc');
  t.equal(parseHandshake(line, [1])?.address, '/tmp/a/plugin.sock');
});
