export interface BuildOptions {
  /** The AssemblyScript entry file, relative to cwd. */
  entry: string;
  /** Where the .wasm goes, relative to cwd. */
  outFile: string;
  /** Default: process.cwd() (the plugin folder). */
  cwd?: string;
  /** Also write the text format here. */
  textFile?: string;
  /** More asc arguments. */
  extraArgs?: string[];
}

/** Compiles an AssemblyScript plugin to an ABI v1 module; resolves with the .wasm's absolute path. */
export function buildPlugin(options: BuildOptions): Promise<string>;
