#!/usr/bin/env node
// The CLI as built at install time (npm run build, run by `npm install`); from a
// checkout that was never built, the TypeScript source through tsx.
import { existsSync } from "node:fs";

const built = new URL("../dist/http/cli/tierline-cli.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/http/cli/tierline-cli.ts");
}
