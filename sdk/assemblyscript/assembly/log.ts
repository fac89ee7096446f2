// Logging through the host: each line lands in the gateway's log tagged with the plugin's
// name. The host keeps at most 100 lines per call and 4 KiB per line.

// @ts-ignore: decorator
@external("mg", "log")
declare function mg_log(level: i32, ptr: usize, len: usize): void;

export const LEVEL_DEBUG: i32 = 0;
export const LEVEL_INFO: i32 = 1;
export const LEVEL_WARN: i32 = 2;
export const LEVEL_ERROR: i32 = 3;

export function write(level: i32, message: string): void {
  const bytes = String.UTF8.encode(message);
  mg_log(level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

export namespace log {
  export function debug(message: string): void {
    write(LEVEL_DEBUG, message);
  }
  export function info(message: string): void {
    write(LEVEL_INFO, message);
  }
  export function warn(message: string): void {
    write(LEVEL_WARN, message);
  }
  export function error(message: string): void {
    write(LEVEL_ERROR, message);
  }
}
