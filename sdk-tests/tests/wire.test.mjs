// The served descriptors match ZITADEL's, field by field (SPEC §2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareWithZitadel } from "../lib/wire-check.mjs";
import { servedDescriptors } from "../lib/server.mjs";

test("every served message, enum and method matches @zitadel/proto 1.3.1", async () => {
  const { errors, counts } = await compareWithZitadel(servedDescriptors());
  assert.deepEqual(errors, []);
  assert.equal(counts.services, 3);
  assert.ok(counts.methods >= 31, JSON.stringify(counts));
  assert.ok(counts.fields > 100, JSON.stringify(counts));
});

test("the check notices a changed field", async () => {
  // Flip SetEmailRequest.email's number (2 → 9) in the encoded set: the check must fail.
  const { fromBinary, toBinary } = await import("@bufbuild/protobuf");
  const { FileDescriptorSetSchema } = await import("@bufbuild/protobuf/wkt");
  const set = fromBinary(FileDescriptorSetSchema, servedDescriptors());
  const file = set.file.find((f) => f.name === "zitadel/user/v2/user_service.proto");
  const message = file.messageType.find((m) => m.name === "SetEmailRequest");
  message.field.find((f) => f.name === "email").number = 9;
  const { errors } = await compareWithZitadel(toBinary(FileDescriptorSetSchema, set));
  assert.ok(errors.some((e) => e.includes("SetEmailRequest.email") && e.includes("number")), errors.join("\n"));
});
