// Checks how the manifests `wisp deploy` renders fit together, beyond what the schema can say:
//   node wiring.mjs FILE...
// - ports: the broker's WISP_LISTEN and WISP_CLUSTER_LISTEN ports are its containerPorts named
//   client and cluster, and the broker Service exposes both under those names; the agents'
//   WISP_BROKER is tcp://<that Service>.<namespace>.svc:<its cluster port>;
// - keys: every key file a workload's env names (WISP_KEY_FILE's NAME.key and NAME.pub,
//   WISP_BROKER_KEY, WISP_ALLOWED_KEYS, WISP_ALLOWED_CLIENTS) lies in a read-only mount of a
//   Secret volume, and that Secret (in the manifests, same namespace) has the file as a key;
// - metadata: a workload with WISP_KUBE_API=in-cluster runs as a ServiceAccount of the manifests
//   that a ClusterRoleBinding gives a role to list and watch pods; the agents' WISP_KUBE_NODE is
//   their pod's spec.nodeName (the downward API).
// Prints one line per problem and exits 0 when there is none, 1 when there is, 2 on bad usage.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node wiring.mjs FILE...");
  process.exit(2);
}
const docs = files.flatMap((f) => parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS())).filter(Boolean);
const problems = [];
const find = (kind, name) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const port_of = (endpoint) => Number(String(endpoint).split(":").pop());

const broker = find("Deployment", "wisp-broker");
const agent = find("DaemonSet", "wisp-agent");
const service = find("Service", "wisp-broker");
for (const [what, d] of [["Deployment wisp-broker", broker], ["DaemonSet wisp-agent", agent], ["Service wisp-broker", service]])
  if (!d) problems.push(`${what}: missing`);

const container = (w) => w?.spec?.template?.spec?.containers?.[0] ?? {};
const env_of = (w) => Object.fromEntries((container(w).env ?? []).map((e) => [e.name, e.value]));

if (broker && service) {
  const env = env_of(broker);
  const container_ports = Object.fromEntries((container(broker).ports ?? []).map((p) => [p.name, p.containerPort]));
  const service_ports = Object.fromEntries((service.spec?.ports ?? []).map((p) => [p.name, p]));
  for (const [name, flag] of [["client", "WISP_LISTEN"], ["cluster", "WISP_CLUSTER_LISTEN"]]) {
    if (!(flag in env)) {
      problems.push(`Deployment wisp-broker: no ${flag}`);
      continue;
    }
    if (port_of(env[flag]) !== container_ports[name])
      problems.push(`Deployment wisp-broker: ${flag}=${env[flag]} but containerPort ${name} is ${container_ports[name]}`);
    const sp = service_ports[name];
    if (!sp) problems.push(`Service wisp-broker: no port named ${name}`);
    else if (sp.targetPort !== name && sp.targetPort !== container_ports[name])
      problems.push(`Service wisp-broker: port ${name} targets ${sp.targetPort}, not the container's ${name} port`);
  }
  if (agent) {
    const want = `tcp://${service.metadata.name}.${service.metadata.namespace}.svc:${service_ports.cluster?.port}`;
    const got = env_of(agent).WISP_BROKER;
    if (got !== want) problems.push(`DaemonSet wisp-agent: WISP_BROKER=${got}, want ${want}`);
  }
}

// The files each key flag names: WISP_KEY_FILE is DIR/NAME of two files.
const key_files = { WISP_KEY_FILE: [".key", ".pub"], WISP_BROKER_KEY: [""], WISP_ALLOWED_KEYS: [""], WISP_ALLOWED_CLIENTS: [""] };
for (const [what, w] of [["Deployment wisp-broker", broker], ["DaemonSet wisp-agent", agent]]) {
  if (!w) continue;
  const env = env_of(w);
  const mounts = container(w).volumeMounts ?? [];
  const volumes = w.spec.template.spec.volumes ?? [];
  if (!("WISP_KEY_FILE" in env)) problems.push(`${what}: no WISP_KEY_FILE (its endpoints would be unencrypted)`);
  for (const [flag, suffixes] of Object.entries(key_files)) {
    if (!(flag in env)) continue;
    for (const suffix of suffixes) {
      const path = env[flag] + suffix;
      const dir = path.slice(0, path.lastIndexOf("/"));
      const file = path.slice(path.lastIndexOf("/") + 1);
      const mount = mounts.find((m) => m.mountPath === dir);
      if (!mount) {
        problems.push(`${what}: ${flag} names ${path}, but nothing is mounted at ${dir}`);
        continue;
      }
      if (mount.readOnly !== true) problems.push(`${what}: the mount at ${dir} is not read-only`);
      const secret_name = volumes.find((v) => v.name === mount.name)?.secret?.secretName;
      if (!secret_name) {
        problems.push(`${what}: the volume mounted at ${dir} is not a Secret`);
        continue;
      }
      const secret = find("Secret", secret_name);
      if (!secret) problems.push(`${what}: Secret ${secret_name} is not in the manifests`);
      else if (secret.metadata.namespace !== w.metadata.namespace)
        problems.push(`${what}: Secret ${secret_name} is in namespace ${secret.metadata.namespace}`);
      else if (!(file in (secret.stringData ?? {})) && !(file in (secret.data ?? {})))
        problems.push(`${what}: ${flag} needs ${file} in Secret ${secret_name}, which has ${Object.keys(secret.stringData ?? {})}`);
    }
  }
}

for (const [what, w] of [["Deployment wisp-broker", broker], ["DaemonSet wisp-agent", agent]]) {
  if (!w || env_of(w).WISP_KUBE_API !== "in-cluster") continue;
  const spec = w.spec.template.spec;
  const sa = spec.serviceAccountName;
  if (!sa || !find("ServiceAccount", sa)) problems.push(`${what}: WISP_KUBE_API=in-cluster but ServiceAccount ${sa} is not in the manifests`);
  if (spec.automountServiceAccountToken === false) problems.push(`${what}: WISP_KUBE_API=in-cluster but no token is mounted`);
  const bound = docs.filter((d) => d.kind === "ClusterRoleBinding" &&
                                   (d.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === sa && s.namespace === w.metadata.namespace));
  const can_watch_pods = bound.some((b) => (find("ClusterRole", b.roleRef?.name)?.rules ?? []).some(
      (r) => (r.resources ?? []).includes("pods") && (r.verbs ?? []).includes("watch") && (r.verbs ?? []).includes("list")));
  if (!can_watch_pods) problems.push(`${what}: ServiceAccount ${sa} may not list and watch pods (no ClusterRoleBinding)`);
}
if (agent) {
  const node = (container(agent).env ?? []).find((e) => e.name === "WISP_KUBE_NODE");
  if (node?.valueFrom?.fieldRef?.fieldPath !== "spec.nodeName")
    problems.push("DaemonSet wisp-agent: WISP_KUBE_NODE is not the pod's spec.nodeName");
}

for (const p of problems) console.log(p);
console.log(problems.length ? `${problems.length} problem(s)` : `ok: ${docs.length} documents wired together`);
process.exit(problems.length ? 1 : 0);
