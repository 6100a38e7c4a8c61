// ZITADEL's TypeScript SDK (@zitadel/client, connect-es) against a real Mailroom:
// its gRPC transport (the server default), its gRPC-web transport (the browser
// default), and Connect with binary messages; on SQLite and on Postgres.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NewAuthorizationBearerInterceptor } from "@zitadel/client";
import { Code } from "@connectrpc/connect";
import { createUserServiceClient, createOrganizationServiceClient } from "@zitadel/client/v2";
import { createServerTransport } from "@zitadel/client/node";
import { createClientTransport } from "@zitadel/client/web";
import { createConnectTransport } from "@connectrpc/connect-node";
import { backends, startMailroom, human, errorDetailIds } from "../lib/server.mjs";

const transports = {
  grpc: (server) => createServerTransport(server.pat, { baseUrl: server.base }),
  "grpc-web": (server) => createClientTransport(server.pat, { baseUrl: server.base }),
  "connect binary": (server) =>
    createConnectTransport({
      baseUrl: server.base,
      httpVersion: "1.1",
      useBinaryFormat: true,
      interceptors: [NewAuthorizationBearerInterceptor(server.pat)],
    }),
};

for (const backend of backends()) {
  describe(`@zitadel/client (${backend})`, () => {
    let server;
    before(async () => (server = await startMailroom(backend)));
    after(async () => server?.stop());

    for (const [name, make] of Object.entries(transports)) {
      test(`${name}: the v2 email methods`, async () => {
        const users = createUserServiceClient(make(server));
        const userId = await human(server, `${name.replace(" ", "-")}@example.com`);
        const set = await users.setEmail({
          userId,
          email: `${name.replace(" ", "-")}-2@example.com`,
          verification: { case: "returnCode", value: {} },
        });
        assert.ok(set.verificationCode);
        // A new code replaces the first.
        const resent = await users.resendEmailCode({ userId, verification: { case: "returnCode", value: {} } });
        assert.notEqual(resent.verificationCode, set.verificationCode);
        const wrong = await users
          .verifyEmail({ userId, verificationCode: "WRONG1" })
          .then(() => null, (err) => err);
        // The SDK bundles its own @connectrpc/connect: compare by name, not class.
        assert.equal(wrong?.name, "ConnectError", String(wrong));
        assert.equal(wrong.code, Code.InvalidArgument);
        assert.equal(wrong.rawMessage, "Code is invalid (COMMAND-eis9R)");
        const detail = wrong.details.find((d) => d.type === "zitadel.v1.ErrorDetail");
        assert.ok(detail, "the ZITADEL detail");
        const verified = await users.verifyEmail({ userId, verificationCode: resent.verificationCode });
        assert.ok(verified.details.sequence > set.details.sequence);
        const got = await users.getUserByID({ userId });
        assert.equal(got.user.type.case, "human");
        assert.equal(got.user.type.value.email.isVerified, true);
      });

      test(`${name}: invite codes`, async () => {
        const users = createUserServiceClient(make(server));
        // No password yet: a user one can invite.
        const userId = await human(server, `invite-${name.replace(" ", "-")}@example.com`);
        const created = await users.createInviteCode({ userId, verification: { case: "returnCode", value: {} } });
        assert.match(created.inviteCode, /^[A-Z0-9]{6}$/);
        const resend = await users.resendInviteCode({ userId }).then(() => null, (err) => err);
        assert.equal(resend?.code, Code.FailedPrecondition, String(resend));
        assert.equal(resend.rawMessage, "Code not found (COMMAND-Wr3gq)");
        const verified = await users.verifyInviteCode({ userId, verificationCode: created.inviteCode });
        assert.ok(verified.details.sequence > created.details.sequence);
      });

      test(`${name}: AddOrganization`, async () => {
        const orgs = createOrganizationServiceClient(make(server));
        const created = await orgs.addOrganization({ name: `Org over ${name}` });
        assert.match(created.organizationId, /^[1-9][0-9]*$/);
        assert.equal(created.details.resourceOwner, created.organizationId);
        const refused = await orgs.addOrganization({ name: "" }).then(() => null, (err) => err);
        assert.equal(refused.code, Code.InvalidArgument);
      });
    }

    test("an error's detail bytes decode to ZITADEL's ErrorDetail", async () => {
      const users = createUserServiceClient(transports.grpc(server));
      const userId = await human(server, "detail@example.com");
      const err = await users
        .setEmail({ userId, email: "detail@example.com", verification: { case: "isVerified", value: true } })
        .then(() => null, (e) => e);
      assert.equal(err.code, Code.FailedPrecondition);
      const detail = err.details.find((d) => d.type === "zitadel.v1.ErrorDetail");
      // An Any of zitadel.v1.ErrorDetail{id, message}, wrapped as a google.rpc.Status
      // field 3 so the same decoder reads it.
      const wrapped = new Uint8Array([0x1a, ...lengthOf(detail.value, "type.googleapis.com/zitadel.v1.ErrorDetail")]);
      assert.deepEqual(await errorDetailIds(wrapped), ["COMMAND-Uch5e"]);
    });
  });
}

/** An `Any{type_url, value}` encoded, with its length prefix. */
function lengthOf(value, typeUrl) {
  const url = new TextEncoder().encode(typeUrl);
  const body = [0x0a, url.length, ...url, 0x12, value.length, ...value];
  return [body.length, ...body];
}
