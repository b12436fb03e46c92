import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";

/**
 * Offline checks of Kubernetes manifests against the API's schemas, as
 * bundled by the kubernetes-models package (generated from Kubernetes'
 * OpenAPI document): its JSON-schema validators for types, formats and
 * required fields, and its TypeScript declarations for unknown fields (what
 * `kubectl apply --validate=strict` rejects), checked with the compiler.
 */

export interface Manifest {
  file: string;
  index: number;
  kind: string;
  name: string;
  // YAML as parsed: tests read into it freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

const models = {
  ConfigMap: { model: ConfigMap, module: "kubernetes-models/v1/ConfigMap", type: "IConfigMap" },
  Secret: { model: Secret, module: "kubernetes-models/v1/Secret", type: "ISecret" },
  Service: { model: Service, module: "kubernetes-models/v1/Service", type: "IService" },
  Deployment: { model: Deployment, module: "kubernetes-models/apps/v1/Deployment", type: "IDeployment" },
  PodDisruptionBudget: { model: PodDisruptionBudget, module: "kubernetes-models/policy/v1/PodDisruptionBudget", type: "IPodDisruptionBudget" },
} as const;

export const knownKinds = Object.keys(models);

/** Every document of every YAML file in a directory (a YAML syntax error throws, naming the file). */
export function readManifests(dir: string, skip: string[] = []): Manifest[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !skip.includes(f))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map((doc, index) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
        const body = doc.toJS();
        return { file, index, kind: body?.kind, name: body?.metadata?.name, body };
      }),
    );
}

/** Schema violations of one manifest (empty when valid), as "file#index: path message". */
export function schemaErrors(m: Manifest): string[] {
  const entry = models[m.kind as keyof typeof models];
  if (!entry) return [`${m.file}#${m.index}: no schema here for kind ${m.kind}`];
  try {
    new entry.model(m.body).validate();
    return [];
  } catch (err) {
    return [`${m.file}#${m.index}: ${(err as Error).message}`];
  }
}

/** Fields the API does not know (and type errors), found by type-checking each manifest as an object literal of its kind's interface. */
export function unknownFieldErrors(manifests: Manifest[], repoRoot: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const sources = new Map<string, string>();
  for (const m of manifests) {
    const entry = models[m.kind as keyof typeof models];
    if (!entry) continue;
    const file = path.join(repoRoot, "test", `.k8s-${m.file}-${m.index}.ts`);
    sources.set(file, `import type { ${entry.type} } from "${entry.module}";\nexport const manifest: ${entry.type} = ${JSON.stringify(m.body, null, 1)};\n`);
  }
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (sources.has(f) ? ts.createSourceFile(f, sources.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...sources.keys()], options, host);
  return [...sources.keys()].flatMap((file) =>
    program.getSemanticDiagnostics(program.getSourceFile(file)).map((d) => `${path.basename(file).slice(5, -3)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`),
  );
}

/** A Kubernetes memory quantity ("512Mi", "1Gi", "600M", "1e9") in bytes. */
export function bytesOf(quantity: string | number): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as string] ?? 1;
  return Number(m[1]) * unit;
}

/** A Kubernetes CPU quantity ("2", "500m") in cores. */
export function coresOf(quantity: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(quantity));
  if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}
