import { readFileSync } from "node:fs";
import { exportExemplars, importExemplars } from "./exemplars-client.js";

const usage = `usage:
  tierline exemplars export > exemplars.jsonl
  tierline exemplars import <file.jsonl> [--force] [--chunk 250]

env: TIERLINE_URL (default http://127.0.0.1:8787), TIERLINE_ADMIN_TOKEN (required)`;

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== "exemplars" || (command !== "export" && command !== "import")) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const baseUrl = (process.env.TIERLINE_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
  const token = process.env.TIERLINE_ADMIN_TOKEN;
  if (!token) {
    process.stderr.write("TIERLINE_ADMIN_TOKEN is not set: the curator API needs the admin token\n");
    return 2;
  }
  if (command === "export") {
    await exportExemplars({ baseUrl, token, out: process.stdout });
    return 0;
  }
  const file = rest.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const chunkAt = rest.indexOf("--chunk");
  const summary = await importExemplars({
    baseUrl,
    token,
    content: readFileSync(file, "utf8"),
    force: rest.includes("--force"),
    chunkSize: chunkAt >= 0 ? Number(rest[chunkAt + 1]) : 250,
    progress: process.stderr,
  });
  process.stderr.write(`imported ${summary.lines} lines: ${summary.created} created, ${summary.moved} moved, ${summary.unchanged} unchanged; revision ${summary.revision}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tierline: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
