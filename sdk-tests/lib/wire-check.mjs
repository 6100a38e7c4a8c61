// Wire compatibility: compares a FileDescriptorSet (what Mailroom serves, compiled
// from proto/ by protox) with the descriptors ZITADEL ships inside @zitadel/proto's
// *_pb.js files, element by element.
//
// For every service, method, message, field and enum of the set (google/protobuf/
// files are skipped) ZITADEL must have the same-named element, in the same file and
// package, with: the same method input/output types and streaming; the same field
// number, type, type_name, label, JSON name, oneof and proto3_optional; every field
// of an included message (messages are complete); the same enum values both ways.
// `ROOTS` (lib/roots.mjs) must all be served.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fromBinary, isFieldSet } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, FieldDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { ROOTS, EXTRA_TYPES } from "./roots.mjs";

// The package exports no package.json: it is found beside this project.
const ZITADEL_ES = fileURLToPath(new URL("../node_modules/@zitadel/proto/es", import.meta.url));

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith("_pb.js")) out.push(path);
  }
  return out;
}

/** Every FileDescriptorProto embedded in @zitadel/proto, by file name. */
async function zitadelFiles() {
  const files = new Map();
  for (const path of walk(ZITADEL_ES)) {
    const mod = await import(pathToFileURL(path).href);
    for (const value of Object.values(mod)) {
      if (value && typeof value === "object" && value.kind === "file" && value.proto) {
        files.set(value.proto.name, value.proto);
      }
    }
  }
  return files;
}

/** Services, messages and enums by fully-qualified name. */
function index(fileProtos) {
  const types = new Map();
  for (const f of fileProtos) {
    const pkg = f.package ? f.package + "." : "";
    const addMessage = (m, prefix) => {
      const fqn = prefix + m.name;
      types.set(fqn, { kind: "message", proto: m, file: f });
      for (const n of m.nestedType) addMessage(n, fqn + ".");
      for (const e of m.enumType) types.set(`${fqn}.${e.name}`, { kind: "enum", proto: e, file: f });
    };
    for (const m of f.messageType) addMessage(m, pkg);
    for (const e of f.enumType) types.set(pkg + e.name, { kind: "enum", proto: e, file: f });
    for (const s of f.service) types.set(pkg + s.name, { kind: "service", proto: s, file: f });
  }
  return types;
}

const TYPE = { 1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool", 9: "string", 10: "group", 11: "message", 12: "bytes", 13: "uint32", 14: "enum", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64" };
const LABEL = { 1: "optional", 2: "required", 3: "repeated" };
const hasOneof = (f) => isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex);
const jsonName = (f) => (isFieldSet(f, FieldDescriptorProtoSchema.field.jsonName) ? f.jsonName : protoCamelCase(f.name));
const oneofOf = (m, f) => (hasOneof(f) ? `#${f.oneofIndex} ${m.oneofDecl[f.oneofIndex]?.name}` : "none");
const norm = (t) => (t ? (t.startsWith(".") ? t : "." + t) : "");

/** Compares the set with ZITADEL's; returns { errors: string[], counts }. */
export async function compareWithZitadel(setBytes) {
  const set = fromBinary(FileDescriptorSetSchema, setBytes);
  const theirFiles = await zitadelFiles();
  const theirs = index(theirFiles.values());
  const ourFiles = set.file.filter((f) => !f.name.startsWith("google/protobuf/"));
  const ours = index(ourFiles);
  const errors = [];
  const err = (where, msg) => errors.push(`${where}: ${msg}`);
  const counts = { files: ourFiles.length, services: 0, methods: 0, messages: 0, fields: 0, enums: 0 };

  for (const f of ourFiles) {
    if (f.syntax !== "proto3") err(`file ${f.name}`, `syntax "${f.syntax || "proto2"}", expected proto3`);
    const zf = theirFiles.get(f.name);
    if (!zf) err(`file ${f.name}`, "ZITADEL has no file with this path");
    else if (zf.package !== f.package) err(`file ${f.name}`, `package ${f.package} != ZITADEL's ${zf.package}`);
  }

  for (const [fqn, o] of ours) {
    const t = theirs.get(fqn);
    const where = `${o.kind} ${fqn}`;
    counts[o.kind === "message" ? "messages" : o.kind === "enum" ? "enums" : "services"]++;
    if (!t) { err(where, "not defined by ZITADEL"); continue; }
    if (t.kind !== o.kind) { err(where, `is a ${t.kind} in ZITADEL`); continue; }
    if (t.file.name !== o.file.name) err(where, `in ${o.file.name}, ZITADEL has it in ${t.file.name}`);
    if (o.kind === "service") {
      for (const m of o.proto.method) {
        counts.methods++;
        const w = `method ${fqn}.${m.name}`;
        const zm = t.proto.method.find((x) => x.name === m.name);
        if (!zm) { err(w, "not defined by ZITADEL"); continue; }
        if (norm(m.inputType) !== norm(zm.inputType)) err(w, `input ${m.inputType} != ${zm.inputType}`);
        if (norm(m.outputType) !== norm(zm.outputType)) err(w, `output ${m.outputType} != ${zm.outputType}`);
        if (!!m.clientStreaming !== !!zm.clientStreaming) err(w, "client streaming differs");
        if (!!m.serverStreaming !== !!zm.serverStreaming) err(w, "server streaming differs");
      }
    } else if (o.kind === "enum") {
      const zv = new Map(t.proto.value.map((v) => [v.name, v.number]));
      const ov = new Map(o.proto.value.map((v) => [v.name, v.number]));
      for (const [n, num] of ov) {
        if (!zv.has(n)) err(where, `value ${n} = ${num} not defined by ZITADEL`);
        else if (zv.get(n) !== num) err(where, `value ${n} = ${num}, ZITADEL has ${zv.get(n)}`);
      }
      for (const [n, num] of zv) if (!ov.has(n)) err(where, `missing value ${n} = ${num}`);
    } else {
      const m = o.proto, zm = t.proto;
      if (!!m.options?.mapEntry !== !!zm.options?.mapEntry) err(where, "map_entry differs");
      for (const f of m.field) {
        counts.fields++;
        const w = `field ${fqn}.${f.name}`;
        const zf = zm.field.find((x) => x.name === f.name);
        if (!zf) { err(w, "not defined by ZITADEL"); continue; }
        const cmp = (what, a, b) => { if (a !== b) err(w, `${what} ${a} != ZITADEL's ${b}`); };
        cmp("number", f.number, zf.number);
        cmp("type", TYPE[f.type] ?? f.type, TYPE[zf.type] ?? zf.type);
        cmp("type_name", norm(f.typeName), norm(zf.typeName));
        cmp("label", LABEL[f.label] ?? f.label, LABEL[zf.label] ?? zf.label);
        cmp("json_name", jsonName(f), jsonName(zf));
        cmp("oneof", oneofOf(m, f), oneofOf(zm, zf));
        cmp("proto3_optional", !!f.proto3Optional, !!zf.proto3Optional);
      }
      for (const zf of zm.field) {
        if (!m.field.some((x) => x.name === zf.name)) err(where, `missing field ${zf.name} = ${zf.number}`);
      }
      if (m.oneofDecl.length !== zm.oneofDecl.length) err(where, "oneof declarations differ");
    }
  }
  for (const [svc, methods] of Object.entries(ROOTS)) {
    const s = ours.get(svc);
    for (const name of methods) {
      if (!s || !s.proto.method.some((x) => x.name === name)) err(`method ${svc}.${name}`, "served per SPEC §2 but not in the set");
    }
  }
  for (const type of EXTRA_TYPES) if (!ours.has(type)) err(`type ${type}`, "expected in the set");
  return { errors, counts };
}
