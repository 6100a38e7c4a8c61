// SPEC §4: times in the console are in the browser's time zone with JavaScript, and
// in UTC, marked as such, without; the audit log's filter and pages are plain links.
import { expect, test } from "@playwright/test";
import { api, hydrated, signIn, unique, verifiedUser } from "./helpers";

test.describe("in Tokyo", () => {
  test.use({ timezoneId: "Asia/Tokyo", locale: "en-US" });

  test("times are shown in the browser's time zone", async ({ page, request }) => {
    const userId = await verifiedUser(request, unique("tz"));
    await signIn(page);
    await page.goto(`/users/${userId}`);
    await hydrated(page);
    const created = page.locator("dd time[data-local='exact']").first();
    await expect(created).toHaveAttribute("data-localized", "true");
    await expect(created).toContainText("GMT+9");
    await expect(created).not.toContainText("UTC");
    // Relative times keep their words; the exact moment in the title is local too.
    const ago = page.locator("[data-testid='audit-entry'] time[data-local='ago']").first();
    await expect(ago).toHaveAttribute("title", /GMT\+9/);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, timezoneId: "Asia/Tokyo" });

  test("times are UTC, marked as such; the audit log filters and pages as plain HTML", async ({ page, request }) => {
    const name = unique("utc");
    const userId = await verifiedUser(request, name);
    for (let i = 0; i < 26; i++) {
      await api(request, "POST", `/v2/users/${userId}/email`, { email: `${name}.${i}@example.com`, returnCode: {} });
    }
    await signIn(page);
    await page.goto(`/users/${userId}`);
    await expect(page.locator("dd time[data-local='exact']").first()).toContainText("UTC");
    const entries = page.getByTestId("audit-entry");
    await expect(entries).toHaveCount(50);
    await page.getByRole("link", { name: "Older" }).click();
    // Two events of the creation, two of each change: 54, 50 a page.
    await expect(entries).toHaveCount(4);
    await expect(entries.last()).toContainText("created the user");
    await page.getByRole("link", { name: "Newest" }).click();
    await page.getByLabel("Event type").selectOption("user.human.email.changed");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(entries).toHaveCount(26);
    await expect(entries.first()).toContainText(`changed the email to ${name}.25@example.com`);
    await entries.first().locator("summary", { hasText: "JSON" }).click();
    await expect(entries.first().locator("pre")).toContainText('"type": "user.human.email.changed"');
  });
});
