// The handshake line a plugin process prints on stdout once it serves (go-plugin format):
//   CORE-VERSION|PROTOCOL-VERSION|NETWORK|ADDRESS|PROTOCOL
//   1|1|unix|/tmp/modgate-grpc-x/plugin.sock|grpc      or      1|1|tcp|127.0.0.1:50051|grpc
// Lines before it are ordinary output (logged, not fatal); a line shaped like a handshake
// but asking for something this gateway cannot do is an error that says so.
import { CORE_PROTOCOL_VERSION } from './protocol.js';

export interface Handshake {
  coreVersion: number;
  protocolVersion: number;
  network: 'unix' | 'tcp';
  /** Socket path (unix) or host:port (tcp), as printed. */
  address: string;
  /** The same address as a @grpc/grpc-js target. */
  target: string;
}

export class HandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandshakeError';
  }
}

const SHAPE = /^(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|([^|]*)$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * The handshake in `line`, or null when the line is not one (ordinary output). Throws a
 * HandshakeError when the line is a handshake this gateway cannot accept.
 */
export function parseHandshake(line: string, supportedVersions: readonly number[]): Handshake | null {
  const match = SHAPE.exec(line.trim());
  if (!match) return null;
  const [, core, version, network, address, protocol] = match;
  const coreVersion = Number(core);
  const protocolVersion = Number(version);
  const example = '1|1|unix|/path/to/plugin.sock|grpc';
  if (coreVersion !== CORE_PROTOCOL_VERSION) {
    throw new HandshakeError(`handshake "${line.trim()}" uses core protocol version ${coreVersion}; this gateway speaks ${CORE_PROTOCOL_VERSION} (e.g. ${example})`);
  }
  if (!supportedVersions.includes(protocolVersion)) {
    throw new HandshakeError(
      `handshake "${line.trim()}" asks for plugin protocol version ${protocolVersion}; this gateway supports ${supportedVersions.join(', ')}`,
    );
  }
  if (protocol !== 'grpc') {
    throw new HandshakeError(`handshake "${line.trim()}" offers protocol "${protocol}"; only "grpc" is supported`);
  }
  if (network === 'unix') {
    if (!address.startsWith('/')) throw new HandshakeError(`handshake "${line.trim()}": a unix socket address must be an absolute path`);
    return { coreVersion, protocolVersion, network, address, target: `unix:${address}` };
  }
  if (network === 'tcp') {
    const hostPort = HOST_PORT.exec(address);
    const port = hostPort ? Number(hostPort[2]) : 0;
    if (!hostPort || port < 1 || port > 65535) {
      throw new HandshakeError(`handshake "${line.trim()}": a tcp address must be host:port (e.g. 127.0.0.1:50051)`);
    }
    return { coreVersion, protocolVersion, network, address, target: address };
  }
  throw new HandshakeError(`handshake "${line.trim()}" uses network "${network}"; use "unix" or "tcp"`);
}

/** The line an SDK prints (the inverse of parseHandshake). */
export function formatHandshake(network: 'unix' | 'tcp', address: string, protocolVersion: number): string {
  return `${CORE_PROTOCOL_VERSION}|${protocolVersion}|${network}|${address}|grpc`;
}
