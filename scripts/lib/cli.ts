// Command-line parsing shared by the npm scripts: node's parseArgs plus the usual contract,
// `--help`/`-h` prints the usage and exits 0, a malformed command line prints why and the usage
// and exits 2.
import { ParseArgsConfig, parseArgs } from "node:util";

export type CommandLine =
  { values: Record<string, string | boolean | undefined>; positionals: string[] } | { exitCode: number };

export function parseCommandLine(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  usage: string,
  allowPositionals = false,
): CommandLine {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals,
      options: { ...options, help: { type: "boolean", short: "h" } },
    }) as typeof parsed;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if (parsed.values.help) {
    console.log(usage);
    return { exitCode: 0 };
  }
  return parsed;
}
