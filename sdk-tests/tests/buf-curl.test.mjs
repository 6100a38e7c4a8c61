// `buf curl` (the README's example) works against Mailroom without .proto files:
// it lists the services through server reflection and calls a method over gRPC.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startMailroom, human } from "../lib/server.mjs";

const run = promisify(execFile);
const buf = fileURLToPath(new URL("../node_modules/.bin/buf", import.meta.url));

describe("buf curl", () => {
  let server;
  before(async () => (server = await startMailroom("sqlite")));
  after(async () => server?.stop());

  test("lists the methods through reflection", async () => {
    const { stdout } = await run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", server.base]);
    for (const method of [
      "zitadel.management.v1.ManagementService/GetHumanEmail",
      "zitadel.user.v2.UserService/SetEmail",
      "zitadel.org.v2.OrganizationService/AddOrganization",
    ]) {
      assert.ok(stdout.includes(method), stdout);
    }
  });

  test("calls SetEmail over gRPC", async () => {
    const userId = await human(server, "buf@example.com");
    const { stdout } = await run(buf, [
      "curl", "--protocol", "grpc", "--http2-prior-knowledge",
      "-H", `authorization: Bearer ${server.pat}`,
      "-d", JSON.stringify({ userId, email: "buf2@example.com", returnCode: {} }),
      `${server.base}/zitadel.user.v2.UserService/SetEmail`,
    ]);
    const answer = JSON.parse(stdout);
    assert.ok(answer.verificationCode, stdout);
    assert.ok(answer.details.sequence, stdout);
  });
});
