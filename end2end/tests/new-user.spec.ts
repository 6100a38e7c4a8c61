// SPEC §4, second stage: a new user from the console. An invited person gets the
// initialization mail and its link sets the password; a machine user; bad input is
// refused in place, keeping what was typed.
import { expect, test } from "@playwright/test";
import { api, expectAccessible, hydrated, newestMailLink, signIn, unique } from "./helpers";

test("an admin invites a person; the invitation's link sets the password", async ({ page, browser, request }) => {
  const name = unique("nina");
  await signIn(page);
  await page.goto("/users");
  await page.getByRole("link", { name: "New user" }).click();
  await expect(page).toHaveTitle("New user · Mailroom");
  await hydrated(page);
  await expectAccessible(page);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "../docs/screenshots/new-user.png", fullPage: true });
  await page.getByLabel("Given name").fill("Nina");
  await page.getByLabel("Family name").fill("Invited");
  await page.getByLabel("Email").fill(`${name}@example.com`);
  // Bad input first: the error shows in place and the fields keep their values.
  await page.getByLabel("Username").fill("admin");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("new-user-error")).toHaveText("User already exists");
  await expect(page.getByLabel("Given name")).toHaveValue("Nina");
  await page.getByLabel("Username").fill(name);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The user is created, and the invitation is on its way.");
  await expect(page.getByTestId("user-state")).toHaveText("initial");
  const userId = page.url().match(/\/users\/(\d+)/)![1];

  const link = await newestMailLink(page, request, userId);
  expect(link).toContain("/ui/login/user/init?");
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await visitor.getByLabel("New password (at least 8 characters)").fill("nina-password-1");
  await visitor.getByLabel("New password again").fill("nina-password-1");
  await visitor.getByRole("button", { name: "Set password" }).click();
  await expect(visitor.getByTestId("init-result")).toContainText("Your password is set");
  const user = await api(request, "GET", `/v2/users/${userId}`);
  expect(user.user.state).toBe("USER_STATE_ACTIVE");
  expect(user.user.human.email.isVerified).toBe(true);
});

test("an admin creates a machine user", async ({ page, request }) => {
  const name = unique("robo");
  await signIn(page);
  await page.goto("/users/new");
  await hydrated(page);
  await page.getByLabel("a machine user").check();
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Name", { exact: true }).fill("Robo");
  await page.getByLabel("Description").fill("builds things");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByTestId("done-notice")).toHaveText("The user is created.");
  const userId = page.url().match(/\/users\/(\d+)/)![1];
  const user = await api(request, "GET", `/v2/users/${userId}`);
  expect(user.user.machine.name).toBe("Robo");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form posts as plain HTML; an error comes back to it", async ({ page }) => {
    await signIn(page);
    await page.goto("/users/new");
    // (The browser checks the address itself; the server checks the names.)
    await page.getByLabel("Family name").fill("Form");
    await page.getByLabel("Email").fill("plain@example.com");
    await page.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByTestId("new-user-error")).toHaveText("A given name is required");
    const name = unique("plainuser");
    await page.getByLabel("Given name").fill("Plain");
    await page.getByLabel("Family name").fill("Form");
    await page.getByLabel("Email").fill(`${name}@example.com`);
    await page.getByLabel("mark the address verified").check();
    await page.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByTestId("done-notice")).toHaveText("The user is created.");
    await expect(page.getByTestId("email-badge")).toHaveText("verified");
  });
});
