// Validates Kubernetes manifests offline, strictly:
//   node validate.mjs FILE...
// Each YAML document is checked against the Kubernetes OpenAPI schema of its apiVersion and kind
// (the validators kubernetes-models generates from it: types, enums, formats, required fields),
// and every field must be one the schema knows: a misspelled field, which the API server would
// drop or refuse, is an error here too. Prints one line per problem,
//   FILE: document N (Kind/name): /json/pointer: message
// and exits 0 when every document is valid, 1 when one is not, 2 on bad usage.
//
// The unknown-field check: the generated validators read every field their schema describes
// (and every key of a map, such as labels or a ConfigMap's data). The document is handed to
// them behind a proxy that records which keys they read; a key present in the document that
// the validator never read is not in the schema. An object the validator never entered at all
// is reported too, so nothing escapes the check unseen.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";

const pointer = (path) => (path.length ? "/" + path.join("/") : "/");

/// `value` behind proxies that record, per object, the keys read from it.
function tracked(value, path, reads) {
  if (value === null || typeof value !== "object") return value;
  const read = new Set();
  reads.set(value, read);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(target, key))
        return Reflect.get(target, key, receiver);
      read.add(key);
      if (!children.has(key)) children.set(key, tracked(target[key], path.concat(key), reads));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.has(target, key);
    },
  });
}

/// Fields of `value` that the validator never read, and objects it never entered.
function unknown_fields(value, path, reads, out) {
  if (value === null || typeof value !== "object") return;
  const read = reads.get(value);
  if (!read) {
    out.push({ path: pointer(path), message: "not described by the schema (the validator never looked inside)" });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknown_fields(v, path.concat(String(i)), reads, out));
    return;
  }
  for (const key of Object.keys(value)) {
    if (!read.has(key)) {
      out.push({ path: pointer(path.concat(key)), message: `unknown field "${key}" (not in the schema)` });
      continue;
    }
    unknown_fields(value[key], path.concat(key), reads, out);
  }
}

const models = new Map();

/// The kubernetes-models class for apiVersion/kind, or an error text.
async function model_class(api_version, kind) {
  if (typeof api_version !== "string" || !/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(api_version))
    return { error: `apiVersion ${JSON.stringify(api_version)} is not a group/version` };
  if (!models.has(api_version)) {
    try {
      models.set(api_version, await import(`kubernetes-models/${api_version}`));
    } catch {
      models.set(api_version, null);
    }
  }
  const mod = models.get(api_version);
  if (!mod) return { error: `apiVersion ${api_version} is not a Kubernetes API group version` };
  const cls = typeof kind === "string" ? mod[kind] : undefined;
  if (typeof cls !== "function" || cls.kind !== kind)
    return { error: `kind ${JSON.stringify(kind)} does not exist in ${api_version}` };
  return { cls };
}

/// Problems of one parsed document: [{path, message}].
export async function validate_document(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    return [{ path: "/", message: "a manifest must be a mapping" }];
  const { cls, error } = await model_class(doc.apiVersion, doc.kind);
  if (error) return [{ path: "/", message: error }];
  const problems = [];
  const reads = new WeakMap();
  const proxy = tracked(doc, [], reads);
  try {
    cls.prototype.validate.call(proxy);
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const err of e.errors) problems.push({ path: err.instancePath || "/", message: err.message });
  }
  unknown_fields(doc, [], reads, problems);
  return problems;
}

/// Problems of every document of a YAML text: [{doc, what, path, message}].
export async function validate_text(text) {
  const out = [];
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  let n = 0;
  for (const d of docs) {
    ++n;
    if (d.errors.length) {
      for (const e of d.errors) out.push({ doc: n, what: "YAML", path: "", message: e.message.split("\n")[0] });
      continue;
    }
    const value = d.toJS();
    if (value === null) continue;  // an empty document (a trailing ---)
    const what = `${value.kind ?? "?"}/${value.metadata?.name ?? "?"}`;
    for (const p of await validate_document(value)) out.push({ doc: n, what, ...p });
  }
  if (n === 0) out.push({ doc: 0, what: "file", path: "", message: "no YAML document" });
  return out;
}

async function main(files) {
  if (!files.length) {
    console.error("usage: node validate.mjs FILE...");
    return 2;
  }
  let bad = 0;
  let docs = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      console.error(`${file}: cannot read: ${e.message}`);
      return 2;
    }
    const problems = await validate_text(text);
    docs += parseAllDocuments(text).length;
    for (const p of problems) {
      console.log(`${file}: document ${p.doc} (${p.what}): ${p.path ? p.path + ": " : ""}${p.message}`);
      ++bad;
    }
  }
  if (bad) {
    console.log(`${bad} problem(s) in ${files.length} file(s)`);
    return 1;
  }
  console.log(`${docs} document(s) in ${files.length} file(s) valid`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main(process.argv.slice(2));
