// SPEC §4, second stage: the dashboard at `/` (counts, two SVG charts with their
// tables) and the users list's email filter at `/users`, with and without JavaScript.
import { expect, test, type Page } from "@playwright/test";
import { api, expectAccessible, signIn, unique, verifiedUser } from "./helpers";

async function countOf(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).locator("dd").innerText());
}

test("the dashboard counts new users by email state and links each count to its list", async ({ page, request }) => {
  await signIn(page);
  await expect(page).toHaveTitle("Dashboard · Mailroom");
  const before = {
    verified: await countOf(page, "count-verified"),
    pending: await countOf(page, "count-pending"),
    initial: await countOf(page, "count-initial"),
  };
  await verifiedUser(request, unique("dash-v"));
  const name = unique("dash-p");
  const pending = await api(request, "POST", "/v2/users/human", {
    username: name,
    profile: { givenName: "Pat", familyName: "Pending" },
    email: { email: `${name}@example.com`, sendCode: {} },
  });
  await api(request, "POST", "/management/v1/users/human", {
    userName: unique("dash-i"),
    profile: { firstName: "Ina", lastName: "Initial" },
    email: { email: `${unique("dash-i")}@example.com` },
  });

  // A count is shown again for up to a second (its "as of" time says when it was made).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("count-verified").locator("dd")).toHaveText(String(before.verified + 1), { timeout: 100 });
  }).toPass({ timeout: 5_000 });
  await expect(page.getByTestId("count-pending").locator("dd")).toHaveText(String(before.pending + 1));
  await expect(page.getByTestId("count-initial").locator("dd")).toHaveText(String(before.initial + 1));
  // The charts are pictures with a title; their figures are in the tables beside them.
  await expect(page.getByTestId("hourly-chart")).toBeVisible();
  await expect(page.getByTestId("hourly-chart").locator("title")).toContainText("mails in the last 24 hours");
  await expect(page.getByTestId("funnel-chart")).toBeVisible();
  await expect(page.getByTestId("funnel-table").getByRole("row", { name: /Codes sent/ })).toBeVisible();
  await expectAccessible(page);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "../docs/screenshots/dashboard.png", fullPage: true });

  await page.getByTestId("count-pending").getByRole("link").click();
  await expect(page).toHaveURL(/\/users\?email=pending$/);
  await expect(page.getByLabel("Email")).toHaveValue("pending");
  const row = page.getByTestId("user-row").filter({ hasText: `${name}@example.com` });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("email-badge")).toHaveText("pending");
  await expect(page.getByTestId("user-row").filter({ hasText: "admin@localhost" })).toHaveCount(0);
  await expectAccessible(page);
  expect(pending.userId).toBeTruthy();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the dashboard and the users list's filters are plain HTML", async ({ page, request }) => {
    const name = unique("plainv");
    await verifiedUser(request, name);
    await signIn(page);
    await expect(page.getByTestId("count-verified").locator("dd")).toHaveText(/^\d+$/);
    await expect(page.getByTestId("hourly-table")).toBeVisible();
    await page.goto("/users");
    await page.getByLabel("Search").fill(name);
    await page.getByLabel("Email").selectOption("verified");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/email=verified/);
    await expect(page.getByTestId("user-row")).toHaveCount(1);
    await expect(page.getByTestId("user-row")).toContainText(`${name}@example.com`);
    await page.getByLabel("Email").selectOption("unverified");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByText("No users match.")).toBeVisible();
  });
});
