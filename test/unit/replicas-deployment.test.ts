import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/base/config/load-config.js";

// Issue 20: the scale-out example. Docker cannot run here, so the compose profile is checked by reading it,
// against the committed HAProxy config (which the reliability suite runs for real, scale-out.test.ts) and the
// service's own defaults.
const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

interface Service {
  profiles?: string[];
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  [key: string]: unknown;
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const haproxy = read("deploy/haproxy.cfg");
/** `server <name> "${TIERLINE_n-host:port}" check` lines: the replicas and their compose addresses. */
const servers = [...haproxy.matchAll(/^\s*server (\S+) "\$\{(TIERLINE_\d)-([\w-]+):(\d+)\}"/gm)].map(([, name, variable, host, port]) => ({
  name,
  variable,
  host: host!,
  port: port!,
}));
const seconds = (directive: string) => Number(new RegExp(`^\\s*${directive} (\\d+)s$`, "m").exec(haproxy)?.[1]);
const defaults = parseConfig({});

describe("docker compose --profile replicas", () => {
  const replicaNames = servers.map((s) => s.host);
  const replicas = replicaNames.map((name) => compose.services[name]!);

  it("runs three replicas of the one service on the one database: the default one and two in the profile", () => {
    expect(replicaNames).toEqual(["tierline", "tierline-2", "tierline-3"]);
    expect(compose.services.tierline!.profiles).toBeUndefined();
    const { profiles: _p, volumes: _v, ports: _ports, ...first } = compose.services.tierline!;
    for (const name of ["tierline-2", "tierline-3"]) {
      const { profiles, volumes: _volumes, ports, ...rest } = compose.services[name]!;
      expect(profiles).toEqual(["replicas"]);
      expect(ports ?? []).toEqual([]); // reached through the balancer only
      expect(rest, name).toEqual(first);
    }
    expect(new Set(replicas.map((r) => r.environment?.DATABASE_URL)).size).toBe(1);
  });

  it("gives each replica a data dir of its own (converted model, index snapshot) on a declared volume", () => {
    const mounts = replicas.map((r) => (r.volumes ?? []).find((v) => v.endsWith(`:${r.environment?.TIERLINE_DATA_DIR}`)));
    expect(mounts.every((m) => m !== undefined)).toBe(true);
    const names = mounts.map((m) => m!.split(":")[0]!);
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(Object.keys(compose.volumes)).toContain(n);
  });

  it("sets one valid session policy on every replica (their floors are shared in PostgreSQL)", () => {
    const policies = new Set(replicas.map((r) => r.environment?.TIERLINE_SESSION_POLICY));
    expect(policies.size).toBe(1);
    expect(() => parseConfig({}, { TIERLINE_SESSION_POLICY: [...policies][0]! })).not.toThrow();
  });

  it("puts HAProxy with deploy/haproxy.cfg in front, on the port its config listens on, once every replica is healthy", () => {
    const lb = compose.services.haproxy!;
    expect(lb.profiles).toEqual(["replicas"]);
    expect(lb.volumes).toContain("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    const listen = /bind "\$\{TIERLINE_LISTEN-:(\d+)\}"/.exec(haproxy)?.[1];
    expect(lb.ports).toEqual([`${listen}:${listen}`]);
    for (const name of replicaNames) expect(lb.depends_on?.[name]).toEqual({ condition: "service_healthy" });
  });
});

describe("deploy/haproxy.cfg", () => {
  it("names each replica at the port the service listens on, overridable from the environment", () => {
    expect(servers.map((s) => s.variable)).toEqual(["TIERLINE_1", "TIERLINE_2", "TIERLINE_3"]);
    for (const s of servers) expect(s.port, s.host).toBe(compose.services[s.host]!.environment?.PORT);
  });

  it("takes a replica out on /readyz before its drain ends, so a stopping replica gets no new requests", () => {
    expect(haproxy).toMatch(/^\s*option httpchk GET \/readyz$/m);
    expect(haproxy).toMatch(/^\s*http-check expect status 200$/m);
    const [, inter, fall] = /default-server inter (\d+)s fall (\d+)/.exec(haproxy) ?? [];
    // Marked down after `fall` failed checks `inter` apart, plus one interval for the check in flight.
    expect((Number(fall) + 1) * Number(inter) * 1000).toBeLessThan(defaults.shutdown.drainMs);
  });

  it("waits longer for an answer than the service's own deadline, and retries only a refused connection or one closed without an answer", () => {
    expect(seconds("timeout server") * 1000).toBeGreaterThan(defaults.http.requestTimeoutMs);
    expect(haproxy).toMatch(/^\s*retry-on conn-failure empty-response$/m);
    expect(haproxy).toMatch(/^\s*option redispatch/m);
  });

  it("keeps a session on one replica by the header the service reads it from", () => {
    expect(haproxy).toMatch(/^\s*balance hdr\(X-Session-Id\)$/im);
    expect(read("src/http/route.ts")).toContain('c.req.header("x-session-id")');
  });
});
