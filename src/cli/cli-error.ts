// Failures of the command line, each with a stable code and the process exit code it maps to,
// so scripts can tell "the registry is down" from "the signature is wrong".

export const EXIT = {
  ok: 0,
  /** The operation failed: invalid plugin, unknown name, no matching version, ... */
  failed: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** The registry or gateway could not be reached. */
  unreachable: 3,
  /** A bundle failed an integrity or trust check (sha256, signature, unsafe contents). */
  untrusted: 4,
  /** The gateway answered with an error. */
  refused: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type CliErrorCode =
  | 'USAGE'
  | 'INVALID_PLUGIN'
  | 'NOT_FOUND'
  | 'NO_MATCHING_VERSION'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_INVALID'
  | 'REGISTRY_READ_ONLY'
  | 'VERSION_EXISTS'
  | 'ALREADY_INSTALLED'
  | 'GATEWAY_UNREACHABLE'
  | 'GATEWAY_REFUSED'
  | 'DIGEST_MISMATCH'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'KEY_UNTRUSTED'
  | 'KEY_INVALID'
  | 'BUNDLE_UNSAFE'
  | 'DEPENDENCY_UNSATISFIED'
  | 'IO';

const EXIT_BY_CODE: Record<CliErrorCode, ExitCode> = {
  USAGE: EXIT.usage,
  INVALID_PLUGIN: EXIT.failed,
  NOT_FOUND: EXIT.failed,
  NO_MATCHING_VERSION: EXIT.failed,
  REGISTRY_UNREACHABLE: EXIT.unreachable,
  REGISTRY_INVALID: EXIT.failed,
  REGISTRY_READ_ONLY: EXIT.usage,
  VERSION_EXISTS: EXIT.failed,
  ALREADY_INSTALLED: EXIT.failed,
  GATEWAY_UNREACHABLE: EXIT.unreachable,
  GATEWAY_REFUSED: EXIT.refused,
  DIGEST_MISMATCH: EXIT.untrusted,
  SIGNATURE_MISSING: EXIT.untrusted,
  SIGNATURE_INVALID: EXIT.untrusted,
  KEY_UNTRUSTED: EXIT.untrusted,
  KEY_INVALID: EXIT.usage,
  BUNDLE_UNSAFE: EXIT.untrusted,
  DEPENDENCY_UNSATISFIED: EXIT.failed,
  IO: EXIT.failed,
};

export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
    this.exitCode = EXIT_BY_CODE[code];
  }
}
