// SPEC §4, second stage: a machine user's tokens on its page: created and shown once
// with a copy button; removed, a token gets 401 at once.
import { expect, test } from "@playwright/test";
import { api, expectAccessible, hydrated, signIn, unique } from "./helpers";

test("an admin creates a token, copies it, and removes it; the removed token gets 401", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const machine = await api(request, "POST", "/management/v1/users/machine", {
    userName: unique("bot"),
    name: "Bot",
    description: "for the token test",
  });
  await signIn(page);
  await page.goto(`/users/${machine.userId}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Personal access tokens" })).toBeVisible();
  await expect(page.getByText("No tokens.")).toBeVisible();
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByTestId("new-token");
  await expect(shown).toContainText("shown only once");
  const token = await page.getByLabel("New token").inputValue();
  expect(token.length).toBeGreaterThan(30);
  await hydrated(page);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByTestId("copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await expect(page.getByTestId("token-row")).toHaveCount(1);
  await expectAccessible(page);

  const asBot = (t: string) => request.get("/v2/users/1", { headers: { Authorization: `Bearer ${t}` } });
  expect((await asBot(token)).status()).not.toBe(401);
  await page.locator("summary", { hasText: /^Remove token / }).click();
  await page.getByRole("button", { name: "Confirm: remove" }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The token is removed; it no longer works.");
  await expect(page.getByTestId("token-row")).toHaveCount(0);
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  expect((await asBot(token)).status()).toBe(401);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a token made by a plain form is shown once on the page", async ({ page, request }) => {
    const machine = await api(request, "POST", "/management/v1/users/machine", {
      userName: unique("plainbot"),
      name: "Plain Bot",
    });
    await signIn(page);
    await page.goto(`/users/${machine.userId}`);
    await page.getByLabel("Expires (optional, UTC)").fill("2099-01-01");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByTestId("new-token")).toBeVisible();
    const token = await page.getByLabel("New token").inputValue();
    await expect(page.getByTestId("token-row")).toContainText("1 Jan 2099, 00:00 UTC");
    const status = (await request.get("/v2/users/1", { headers: { Authorization: `Bearer ${token}` } })).status();
    expect(status).not.toBe(401);
    await page.reload();
    await expect(page.getByTestId("new-token")).toHaveCount(0);
  });
});
