// Every error the gateway raises: a stable MODGATE_* code, its HTTP status and a message
// that tells the caller what to fix. Core and runtimes throw these; the HTTP layer renders
// them as {statusCode, code, error, message}.

export const ERROR_STATUS = {
  MODGATE_VALIDATION: 400,
  MODGATE_UNSUPPORTED_OPERATION: 400,
  MODGATE_MANIFEST_INVALID: 400,
  MODGATE_CONFIG_INVALID: 400,
  MODGATE_UNAUTHORIZED: 401,
  MODGATE_FORBIDDEN: 403,
  MODGATE_ADMIN_DISABLED: 403,
  MODGATE_NATIVE_UPLOAD_DISABLED: 403,
  MODGATE_NOT_FOUND: 404,
  MODGATE_PLUGIN_NOT_FOUND: 404,
  MODGATE_VERSION_NOT_FOUND: 404,
  MODGATE_OBJECT_NOT_FOUND: 404,
  MODGATE_NOT_ACCEPTABLE: 406,
  MODGATE_PLUGIN_EXISTS: 409,
  MODGATE_VERSION_CONFLICT: 409,
  MODGATE_BATCH_TOO_LARGE: 413,
  MODGATE_INPUT_TOO_LARGE: 413,
  MODGATE_PAYLOAD_TOO_LARGE: 413,
  MODGATE_UNSUPPORTED_MEDIA_TYPE: 415,
  MODGATE_PLUGIN_LOAD_FAILED: 422,
  MODGATE_DEPENDENCY_UNSATISFIED: 422,
  MODGATE_RATE_LIMITED: 429,
  MODGATE_CLIENT_CLOSED: 499,
  MODGATE_INTERNAL: 500,
  MODGATE_PLUGIN_ERROR: 502,
  MODGATE_PLUGIN_BAD_OUTPUT: 502,
  MODGATE_PLUGIN_MEMORY_LIMIT: 502,
  MODGATE_PLUGIN_CRASHED: 502,
  MODGATE_PLUGIN_UNAVAILABLE: 503,
  MODGATE_OVERLOADED: 503,
  MODGATE_NOT_READY: 503,
  MODGATE_PLUGIN_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ModgateErrorOptions {
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfter?: number;
  /** Structured detail safe to show the caller (e.g. every manifest problem). */
  details?: unknown;
  cause?: unknown;
}

export class ModgateError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryAfter?: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: ModgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModgateError';
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isModgateError(err: unknown): err is ModgateError {
  return err instanceof ModgateError;
}

/**
 * A ModgateError thrown by code that carries its own copy of this module (a bundled native
 * plugin) fails `instanceof`; rebuild it from its name and code so its status survives.
 */
export function asModgateError(err: unknown): ModgateError | undefined {
  if (err instanceof ModgateError) return err;
  if (!(err instanceof Error) || err.name !== 'ModgateError') return undefined;
  const { code, retryAfter, details } = err as Error & { code?: unknown; retryAfter?: number; details?: unknown };
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_STATUS, code)) return undefined;
  return new ModgateError(code as ErrorCode, err.message, { retryAfter, details, cause: err });
}

/** The message of anything thrown, without its stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
