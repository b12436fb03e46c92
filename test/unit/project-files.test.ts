import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/base/config/load-config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { version: string; license: string; scripts: Record<string, string> };

/** KEY=value lines of an env file. */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

// Rough edges of issue 16 that live in files rather than code: the deployment files, the licence, the changelog.
// (The documentation's commands are run by test/integration/docs-examples.test.ts, not asserted as prose here.)
describe("deployment files", () => {
  interface Service {
    command?: string[];
    env_file?: string | string[];
    environment?: Record<string, string>;
    volumes?: string[];
    init?: boolean;
    stop_grace_period?: string;
  }
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const service = compose.services.tierline!;

  it("docker compose: tokens from an env file with placeholders the service refuses, no token inline", () => {
    expect([service.env_file].flat()).toContain("tierline.env");
    expect(Object.keys(service.environment ?? {}).filter((k) => /TOKEN/.test(k))).toEqual([]);
    expect(read(".gitignore").split("\n")).toContain("tierline.env");
    const example = envFile(read("tierline.env.example"));
    expect(example.TIERLINE_ADMIN_TOKEN).toMatch(/^CHANGE-ME/);
    // Copied as it is, the example does not start a service with a known admin token.
    expect(() => parseConfig({}, example)).toThrow(/\(environment\) TIERLINE_ADMIN_TOKEN: is a placeholder/);
    expect(() => parseConfig({}, { ...example, TIERLINE_ADMIN_TOKEN: "a-token-of-my-own-0123456789", TIERLINE_ANALYST_TOKEN: "another-token-of-mine-0123456789" })).not.toThrow();
  });

  it("docker compose: dataDir on a named volume, the server started as node dist/main.js, time to drain", () => {
    const dataDir = service.environment?.TIERLINE_DATA_DIR;
    expect(dataDir).toBe("/data");
    const mount = (service.volumes ?? []).find((v) => v.endsWith(`:${dataDir}`));
    expect(mount, "a volume mounted at TIERLINE_DATA_DIR").toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(mount!.split(":")[0]);
    expect(service.command).toEqual(["node", "dist/main.js"]);
    expect(service.init).toBe(true);
    expect(parseInt(service.stop_grace_period ?? "10", 10)).toBeGreaterThanOrEqual(25); // drain 5 s + in flight 15 s
  });

  it("Dockerfile: builds dist/ and runs node dist/main.js with what it reads at run time", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/tsx/);
    for (const dir of ["dist", "migrations", "exemplars", "src/http/console/assets", "bin"])
      expect(dockerfile, dir).toMatch(new RegExp(`^COPY .*\\b${dir.replace("/", "\\/")} `, "m"));
    expect(dockerfile).not.toMatch(/--allow-scripts/); // an error on the command line of a project install with npm 11
    expect(pkg.scripts.start).toBe("exec node dist/main.js");
  });
});

describe("licence and changelog", () => {
  it("ships the Apache-2.0 licence that package.json names", () => {
    expect(pkg.license).toBe("Apache-2.0");
    const license = read("LICENSE");
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(license.split("\n").length).toBeGreaterThan(190);
  });

  it("has a Keep-a-Changelog CHANGELOG with the package version", () => {
    expect(existsSync(path.join(root, "CHANGELOG.md"))).toBe(true);
    const changelog = read("CHANGELOG.md");
    expect(changelog).toContain("Keep a Changelog");
    expect(changelog).toContain("## [Unreleased]");
    expect(changelog).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"));
  });
});

describe("the installed PostgreSQL driver", () => {
  it("carries the patch that keeps a closed connection from crashing the process (npm postinstall)", () => {
    for (const file of ["node_modules/postgres/src/connection.js", "node_modules/postgres/cjs/src/connection.js"]) {
      const text = readFileSync(file, "utf8");
      expect(text, file).toContain("if (socket === null) { // tierline patch: porsager/postgres#1208");
      expect(text.match(/chunk = nextWriteTimer = null \/\/ tierline patch/g), file).toHaveLength(2);
    }
  });
});
