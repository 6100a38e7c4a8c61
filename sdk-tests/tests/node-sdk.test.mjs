// ZITADEL's Node SDK (@zitadel/node: nice-grpc over @grpc/grpc-js) against a real
// Mailroom over gRPC, on SQLite and on Postgres. Each test is what a user of the SDK
// writes; README.md shows the same calls.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Metadata, ClientError, Status, createChannel, createClientFactory } from "nice-grpc";
import { createManagementClient, createAccessTokenInterceptor } from "@zitadel/node/dist/api/index.js";
import { UserServiceDefinition } from "@zitadel/node/dist/api/generated/zitadel/user/v2/user_service.js";
import { backends, startMailroom, human, defaultOrg, errorDetailIds, rest } from "../lib/server.mjs";

for (const backend of backends()) {
  describe(`@zitadel/node over gRPC (${backend})`, () => {
    let server;
    let management;
    let users;
    let org;
    before(async () => {
      server = await startMailroom(backend);
      management = createManagementClient(server.base, createAccessTokenInterceptor(server.pat));
      // The SDK ships User Service v2's definition; its factory is the SDK's own.
      users = createClientFactory()
        .use(createAccessTokenInterceptor(server.pat))
        .create(UserServiceDefinition, createChannel(server.base));
    });
    after(async () => server?.stop());

    test("management v1: get, update and re-verify an email in the org context", async () => {
      const userId = await human(server, "node-v1@example.com");
      org = await defaultOrg(server, userId);
      const metadata = Metadata({ "x-zitadel-orgid": org });
      const got = await management.getHumanEmail({ userId }, { metadata });
      assert.equal(got.email.email, "node-v1@example.com");
      assert.equal(got.email.isEmailVerified, true);
      assert.equal(got.details.resourceOwner, org);

      const updated = await management.updateHumanEmail(
        { userId, email: "node-v1b@example.com", isEmailVerified: false },
        { metadata },
      );
      assert.ok(Number(updated.details.sequence) > Number(got.details.sequence));
      const again = await management.getHumanEmail({ userId }, { metadata });
      assert.equal(again.email.email, "node-v1b@example.com");
      assert.equal(again.email.isEmailVerified, false);

      await assert.rejects(
        management.resendHumanEmailVerification({ userId }, { metadata }),
        (err) => err instanceof ClientError && err.code === Status.RESOURCE_EXHAUSTED,
        "a second code within the resend interval is refused",
      );
      const events = await rest(server, "GET", `/mailroom/v1/users/${userId}/events`);
      assert.deepEqual(
        // The mail worker appends `code.sent` whenever it gets to the mail, so
        // only the events this call wrote are compared.
        events.body.events
          .map((e) => e.type)
          .filter((t) => t !== "user.human.email.code.sent")
          .slice(-2),
        ["user.human.email.changed", "user.human.email.code.added"],
      );
    });

    test("management v1: resend the initialization mail of an initial user", async () => {
      const metadata = Metadata({ "x-zitadel-orgid": org });
      const created = await management.addHumanUser(
        {
          userName: "node-initial",
          profile: { firstName: "No", lastName: "De" },
          email: { email: "node-initial@example.com", isEmailVerified: false },
        },
        { metadata },
      );
      // An org that does not exist is refused like over REST.
      await assert.rejects(
        management.resendHumanInitialization(
          { userId: created.userId, email: "" },
          { metadata: Metadata({ "x-zitadel-orgid": "424242" }) },
        ),
        (err) => err instanceof ClientError && err.code === Status.PERMISSION_DENIED && err.details.includes("AUTH-Bs7Ds"),
      );
      await new Promise((r) => setTimeout(r, 100));
      const mails = await rest(server, "GET", `/mailroom/v1/mails?userId=${created.userId}`);
      assert.equal(mails.body.mails.length, 1, "the first initialization mail");
      // Within the resend interval: refused; the SDK sees the code.
      await assert.rejects(
        management.resendHumanInitialization({ userId: created.userId, email: "" }, { metadata }),
        (err) => err instanceof ClientError && err.code === Status.RESOURCE_EXHAUSTED,
      );
    });

    test("user v2: SetEmail with a returned code, then VerifyEmail", async () => {
      const userId = await human(server, "node-v2@example.com");
      const set = await users.setEmail({ userId, email: "node-v2b@example.com", returnCode: {} });
      assert.match(set.verificationCode, /^[A-Z0-9]{6,}$/);
      const verified = await users.verifyEmail({ userId, verificationCode: set.verificationCode });
      assert.ok(Number(verified.details.sequence) > Number(set.details.sequence));
      const user = await users.getUserByID({ userId });
      assert.equal(user.user.human.email.email, "node-v2b@example.com");
      assert.equal(user.user.human.email.isVerified, true);
    });

    test("user v2: an error's ZITADEL id, read from the trailers", async () => {
      const userId = await human(server, "node-err@example.com");
      let trailer;
      await assert.rejects(
        users.setEmail(
          { userId, email: "node-err@example.com", isVerified: true },
          { onTrailer: (t) => (trailer = t) },
        ),
        (err) => {
          assert.ok(err instanceof ClientError);
          assert.equal(err.code, Status.FAILED_PRECONDITION);
          assert.equal(err.details, "Email not changed (COMMAND-Uch5e)");
          return true;
        },
      );
      const details = trailer.get("grpc-status-details-bin");
      assert.ok(details instanceof Uint8Array || Buffer.isBuffer(details), "binary details");
      assert.deepEqual(await errorDetailIds(details), ["COMMAND-Uch5e"]);
    });
  });
}
