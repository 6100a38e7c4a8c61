// SPEC §4, second stage: `/orgs`: an instance owner creates an org; its page adds
// and removes members, each change behind a form; axe on both pages.
import { expect, test } from "@playwright/test";
import { api, expectAccessible, signIn, unique } from "./helpers";

test("an admin creates an org, adds a member with a role and removes it", async ({ page, request }) => {
  const name = unique("Org");
  const member = unique("member");
  await api(request, "POST", "/management/v1/users/human", {
    userName: member,
    profile: { firstName: "Mem", lastName: "Ber" },
    email: { email: `${member}@example.com`, isEmailVerified: true },
    initialPassword: "member-password",
  });
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Organizations" }).click();
  await expect(page).toHaveTitle("Organizations · Mailroom");
  await expectAccessible(page);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The organization is created.");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);

  await page.getByLabel("Username or user ID").fill(member);
  await page.getByLabel("User manager: users").check();
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The member is added.");
  const row = page.getByTestId("member-row").filter({ hasText: member });
  await expect(row).toContainText("ORG_USER_MANAGER");
  await expectAccessible(page);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "../docs/screenshots/org.png", fullPage: true });
  // Bad input: the error on the page, nothing added.
  await page.getByLabel("Username or user ID").fill("nobody-at-all");
  await page.getByLabel("Viewer: reads users and the org").check();
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("User could not be found");
  await expect(page.getByTestId("member-row")).toHaveCount(1);

  await row.locator("summary", { hasText: "Remove" }).click();
  await row.getByRole("button", { name: `Confirm: remove ${member}` }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The member is removed.");
  await expect(page.getByTestId("member-row")).toHaveCount(0);
});
