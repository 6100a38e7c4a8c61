// SPEC §4, second stage: a user's lifecycle from its page (deactivate, reactivate,
// lock, unlock, delete), each behind a confirmation; the API sees each change.
import { expect, test } from "@playwright/test";
import { api, expectAccessible, pat, signIn, unique, verifiedUser } from "./helpers";

test("an admin locks, unlocks, deactivates, reactivates and deletes a user; the API agrees", async ({ page, request }) => {
  const userId = await verifiedUser(request, unique("cycle"));
  await signIn(page);
  await page.goto(`/users/${userId}`);
  await expect(page.getByTestId("lifecycle-unlock")).toHaveCount(0);
  await expectAccessible(page);

  const steps: [string, string, string][] = [
    ["Lock", "locked", "USER_STATE_LOCKED"],
    ["Unlock", "active", "USER_STATE_ACTIVE"],
    ["Deactivate", "inactive", "USER_STATE_INACTIVE"],
    ["Reactivate", "active", "USER_STATE_ACTIVE"],
  ];
  for (const [label, shown, state] of steps) {
    await page.locator("summary", { hasText: new RegExp(`^${label}$`) }).click();
    await page.getByRole("button", { name: `Confirm: ${label.toLowerCase()}` }).click();
    await expect(page.getByTestId("done-notice")).toBeVisible();
    await expect(page.getByTestId("user-state")).toHaveText(shown);
    const user = await api(request, "GET", `/v2/users/${userId}`);
    expect(user.user.state).toBe(state);
  }
  await expectAccessible(page);

  await page.locator("summary", { hasText: /^Delete$/ }).click();
  await page.getByRole("button", { name: "Confirm: delete" }).click();
  await expect(page).toHaveURL(/\/users\?done=delete$/);
  await expect(page.getByTestId("done-notice")).toHaveText("The user is deleted.");
  const gone = await request.get(`/v2/users/${userId}`, { headers: { Authorization: `Bearer ${pat()}` } });
  expect(gone.status()).toBe(404);
});
