import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig, parseConfig } from "../../src/base/config/load-config.js";
import { bytesOf, coresOf, knownKinds, readManifests, schemaErrors, unknownFieldErrors, type Manifest } from "../helpers/kubernetes.js";

const repoRoot = path.resolve(".");
const dir = path.join(repoRoot, "deploy/kubernetes");
const manifests = readManifests(dir, ["kustomization.yaml"]);
const one = (kind: string, name?: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.name === name));
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};
const deployment = one("Deployment").body;
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const literalEnv = (): Record<string, string> =>
  Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
const configText = (): string => one("ConfigMap").body.data["tierline.config.json"];

/** The service's config as a pod loads it: the ConfigMap's file at TIERLINE_CONFIG, the Deployment's env, the given secrets. */
function podConfig(secrets: Record<string, string> = {}) {
  const scratch = mkdtempSync(path.join(tmpdir(), "tierline-k8s-"));
  try {
    const env = { ...literalEnv(), ...secrets };
    const file = path.join(scratch, path.basename(env.TIERLINE_CONFIG!));
    writeFileSync(file, configText());
    return loadConfig({ ...env, TIERLINE_CONFIG: file }, repoRoot);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("Kubernetes example deploy/kubernetes", () => {
  it("applies as one kustomization listing every manifest, of kinds with a schema here", () => {
    const kustomization = parse(readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
    expect([...kustomization.resources].sort()).toEqual([...new Set(manifests.map((m) => m.file))].sort());
    expect(manifests.map((m) => m.kind).filter((k) => !knownKinds.includes(k))).toEqual([]);
  });

  it("matches the Kubernetes API schemas: types, formats, required fields and no unknown field", () => {
    expect(manifests.flatMap(schemaErrors)).toEqual([]);
    expect(unknownFieldErrors(manifests, repoRoot)).toEqual([]);
  });

  it("would catch a wrong type, a missing required field and a misspelt field", () => {
    const broken = structuredClone(one("Deployment"));
    broken.body.spec.template.spec.containers[0].ports[0].containerPort = "8787";
    delete broken.body.spec.selector;
    const errors = schemaErrors(broken).join("\n");
    expect(errors).toMatch(/containerPort must be integer/);
    expect(errors).toMatch(/must have required property selector/);
    const misspelt = structuredClone(one("Deployment"));
    const probed = misspelt.body.spec.template.spec.containers[0];
    probed.readinesProbe = probed.readinessProbe;
    delete probed.readinessProbe;
    expect(schemaErrors(misspelt)).toEqual([]); // the JSON schemas allow unknown fields; the declarations do not
    expect(unknownFieldErrors([misspelt], repoRoot).join("\n")).toMatch(/known properties, and '"readinesProbe"' does not exist in type 'IContainer'/);
  });

  it("runs N replicas with readiness on /readyz and liveness on /healthz, rolling without losing capacity", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(container.startupProbe.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: "http", containerPort: Number(literalEnv().PORT) }));
  });

  it("gives a stopping pod the drain, the in-flight timeout and the flushes before SIGKILL", () => {
    const { shutdown } = podConfig();
    // After the drain and the in-flight timeout, stop() flushes cache, statistics and logs and
    // closes the database, each bounded to 3 s: 10 s covers them when the database is slow.
    const flushSeconds = 10;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual((shutdown.drainMs + shutdown.timeoutMs) / 1000 + flushSeconds);
    expect(shutdown).toEqual({ drainMs: 5000, timeoutMs: 15000 });
  });

  it("configures the service with the shipped tierline.config.json from a ConfigMap, valid by the service's own loader", () => {
    const shipped = JSON.parse(readFileSync(path.join(repoRoot, "tierline.config.json"), "utf8"));
    const { shutdown, ...rest } = JSON.parse(configText());
    expect(rest, "deploy/kubernetes/configmap.yaml: copy tierline.config.json's changes here").toEqual(shipped);
    expect(shutdown).toBeDefined();
    const mount = container.volumeMounts.find((v: { name: string }) => pod.volumes.find((p: { name: string; configMap?: unknown }) => p.name === v.name && p.configMap));
    expect(path.posix.join(mount.mountPath, "tierline.config.json")).toBe(literalEnv().TIERLINE_CONFIG);
    const config = podConfig();
    expect(config.dataDir).toBe("/data");
    expect(config.embedding.threads).toBe(coresOf(container.resources.limits.cpu));
  });

  it("reads DATABASE_URL and the role tokens from Secrets, whose placeholders the service refuses", () => {
    const tokens = one("Secret", "tierline-tokens").body.stringData as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual(["TIERLINE_ADMIN_TOKEN", "TIERLINE_ANALYST_TOKEN", "TIERLINE_FEEDBACK_TOKEN", "TIERLINE_ROUTE_TOKEN"]);
    expect(container.envFrom).toContainEqual({ secretRef: { name: "tierline-tokens" } });
    const database = container.env.find((e: { name: string }) => e.name === "DATABASE_URL").valueFrom.secretKeyRef;
    expect(one("Secret", database.name).body.stringData[database.key]).toMatch(/^postgres:\/\//);

    expect(() => podConfig(tokens)).toThrow(/placeholder/);
    const own = Object.fromEntries(Object.keys(tokens).map((k, i) => [k, `own-token-${i}-0123456789abcdef`]));
    const config = podConfig({ ...own, DATABASE_URL: "postgres://tierline@db:5432/tierline" });
    expect(config.databaseUrl).toBe("postgres://tierline@db:5432/tierline");
    expect(parseConfig({}, own)).toBeDefined();
  });

  it("requests and limits memory from the RSS the load benchmark measured (docs/performance.md)", () => {
    const { rssMb } = JSON.parse(readFileSync(path.join(repoRoot, "bench/results/latest.json"), "utf8")) as { rssMb: Record<string, number> };
    const { requests, limits } = container.resources;
    // Requested: the peak under cache-miss load at the top concurrency; limit: a quarter above the highest RSS of the run.
    expect(bytesOf(requests.memory)).toBeGreaterThanOrEqual(rssMb.peakMissAtTopConcurrency! * 1e6);
    expect(bytesOf(limits.memory)).toBeGreaterThanOrEqual(Math.max(...Object.values(rssMb)) * 1e6 * 1.25);
    expect(coresOf(requests.cpu)).toBeLessThanOrEqual(coresOf(limits.cpu));
  });

  it("selects the Deployment's pods from the Service and the PodDisruptionBudget", () => {
    const labels = deployment.spec.template.metadata.labels;
    const service = one("Service").body;
    const pdb = one("PodDisruptionBudget").body;
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(container.ports.map((p: { name: string }) => p.name)).toContain(service.spec.ports[0].targetPort);
    expect(pdb.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);
  });
});
