// Starts a real Mailroom (MAILROOM_BIN) on a fresh database: SQLite in a temporary
// data directory, or a new Postgres database when MAILROOM_TEST_POSTGRES_URL is set
// and the backend is "postgres". Waits for /readyz; reads api-admin's first token.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env.MAILROOM_BIN ?? "../target/debug/mailroom";

/** The backends to run on: SQLite always, Postgres when the suite has one. */
export function backends() {
  const list = ["sqlite"];
  if (process.env.MAILROOM_TEST_POSTGRES_URL) list.push("postgres");
  else if (process.env.MAILROOM_REQUIRE_POSTGRES) throw new Error("MAILROOM_REQUIRE_POSTGRES is set but MAILROOM_TEST_POSTGRES_URL is not");
  return list;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function freshPostgres() {
  const admin = process.env.MAILROOM_TEST_POSTGRES_URL;
  const name = `mailroom_test_sdk_${Math.random().toString(16).slice(2, 14)}`;
  execFileSync("psql", [admin, "-qc", `CREATE DATABASE ${name}`]);
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

export async function startMailroom(backend) {
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-sdk-"));
  const port = await freePort();
  const env = {
    ...process.env,
    MAILROOM_DATA_DIR: dataDir,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "../target/site",
    MAILROOM_PUBLIC_URL: `http://127.0.0.1:${port}`,
    MAILROOM_ADMIN_PASSWORD: "sdk-admin-password",
    RUST_LOG: process.env.SDK_RUST_LOG ?? "warn",
    MAILROOM_WORKER_POLL_MS: "100",
  };
  if (backend === "postgres") env.MAILROOM_DATABASE_URL = freshPostgres();
  const child = spawn(BIN, [], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mailroom exited: ${output}`);
    try {
      const ready = await fetch(`${base}/readyz`);
      if (ready.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`mailroom did not become ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pat = readFileSync(join(dataDir, "admin.pat"), "utf8").trim();
  return {
    base,
    port,
    pat,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** REST helper: a JSON call with api-admin's token. */
export async function rest(server, method, path, body, headers = {}) {
  const response = await fetch(server.base + path, {
    method,
    headers: { authorization: `Bearer ${server.pat}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A v2 human with a verified address, made over REST; returns its id. */
export async function human(server, email) {
  const answer = await rest(server, "POST", "/v2/users/human", {
    profile: { givenName: "Sdk", familyName: "User" },
    email: { email, isVerified: true },
  });
  if (answer.status !== 200) throw new Error(JSON.stringify(answer.body));
  return answer.body.userId;
}

/** The org id of api-admin (the default org). */
export async function defaultOrg(server, userId) {
  const answer = await rest(server, "GET", `/v2/users/${userId}`);
  return answer.body.details.resourceOwner;
}

/** The `zitadel.v1.ErrorDetail` ids inside a `google.rpc.Status` (grpc-status-details-bin). */
export async function errorDetailIds(bytes) {
  const { BinaryReader } = await import("@bufbuild/protobuf/wire");
  const ids = [];
  const status = new BinaryReader(bytes);
  while (status.pos < status.len) {
    const [field, wireType] = status.tag();
    if (field !== 3) {
      status.skip(wireType);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let typeUrl = "";
    let value = new Uint8Array();
    while (any.pos < any.len) {
      const [f, w] = any.tag();
      if (f === 1) typeUrl = any.string();
      else if (f === 2) value = any.bytes();
      else any.skip(w);
    }
    if (typeUrl !== "type.googleapis.com/zitadel.v1.ErrorDetail") continue;
    const detail = new BinaryReader(value);
    while (detail.pos < detail.len) {
      const [f, w] = detail.tag();
      if (f === 1) ids.push(detail.string());
      else detail.skip(w);
    }
  }
  return ids;
}

/** The served descriptors, from the binary itself (`mailroom descriptors`). */
export function servedDescriptors() {
  return execFileSync(BIN, ["descriptors"]);
}
