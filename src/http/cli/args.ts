/** The CLI's arguments: positionals in order, and the options it knows (anything else is a usage error). */
export interface Args {
  positionals: string[];
  help: boolean;
  version: boolean;
  json: boolean;
  explain: boolean;
  force: boolean;
  url?: string;
  chunk?: number;
  profile?: string;
  session?: string;
  /** report, calibrate: the window. */
  from?: string;
  to?: string;
  /** calibrate: labelled decisions from the service's feedback. */
  fromFeedback: boolean;
  targetQuality?: number;
  confidence?: number;
  config?: string;
  criterion?: "quality" | "any-mix" | "uniform-mix";
  write: boolean;
}

export class UsageError extends Error {
  override name = "UsageError";
}

const booleans = {
  "--help": "help",
  "-h": "help",
  "--version": "version",
  "--json": "json",
  "--explain": "explain",
  "--force": "force",
  "--from-feedback": "fromFeedback",
  "--write": "write",
} as const;
const valued = {
  "--url": "url",
  "--chunk": "chunk",
  "--profile": "profile",
  "--session": "session",
  "--from": "from",
  "--to": "to",
  "--target-quality": "targetQuality",
  "--confidence": "confidence",
  "--config": "config",
  "--criterion": "criterion",
} as const;

/** `--name value` and `--name=value`; `--` ends the options; a lone `-` is a positional (stdin). */
export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { positionals: [], help: false, version: false, json: false, explain: false, force: false, fromFeedback: false, write: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      args.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      args.positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name in booleans && inline === undefined) {
      args[booleans[name as keyof typeof booleans]] = true;
      continue;
    }
    if (name in valued) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      const key = valued[name as keyof typeof valued];
      if (key === "chunk") {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--chunk: expected a whole number of lines between 1 and 10000, got "${value}"`);
        args.chunk = n;
      } else if (key === "criterion") {
        if (value !== "quality" && value !== "any-mix" && value !== "uniform-mix") throw new UsageError(`--criterion: quality, any-mix or uniform-mix, got "${value}"`);
        args.criterion = value;
      } else if (key === "targetQuality" || key === "confidence") {
        const n = Number(value);
        if (!(n > 0 && n < 1)) throw new UsageError(`${name}: expected a number between 0 and 1, got "${value}"`);
        args[key] = n;
      } else {
        args[key] = value;
      }
      continue;
    }
    throw new UsageError(`unknown option ${name}`);
  }
  return args;
}
