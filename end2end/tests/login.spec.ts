// The foundation's browser path: sign in, the users list, a user's email and badge.
import { expect, test, type Page } from "@playwright/test";
import { adminPassword } from "../playwright.config";

async function signIn(page: Page, password: string) {
  await page.goto("/login");
  await expect(page).toHaveTitle("Sign in · Mailroom");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("admin signs in, sees the users list and the admin's email with its badge", async ({ page }) => {
  await signIn(page, adminPassword);
  await expect(page).toHaveURL(/\/$/);
  await expect(page).toHaveTitle("Dashboard · Mailroom");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page).toHaveTitle("Users · Mailroom");
  const row = page.getByTestId("user-row").filter({ hasText: "admin@localhost" });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("email-badge")).toHaveText("verified");

  await row.getByRole("link", { name: "Mailroom Administrator" }).click();
  await expect(page).toHaveURL(/\/users\/\d+$/);
  await expect(page.getByTestId("user-email")).toHaveText("admin@localhost");
  await expect(page.getByTestId("email-badge")).toHaveText("verified");
  await expect(page).toHaveTitle("Mailroom Administrator · Mailroom");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password shows an error and no session", async ({ page }) => {
  await signIn(page, "not-the-password");
  await expect(page.getByTestId("login-error")).toHaveText("Invalid username or password");
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form and the console work as plain HTML", async ({ page }) => {
    await signIn(page, "not-the-password");
    await expect(page.getByTestId("login-error")).toHaveText("Invalid username or password");
    await signIn(page, adminPassword);
    await expect(page).toHaveTitle("Dashboard · Mailroom");
    await page.goto("/users");
    await expect(page.getByTestId("user-row").filter({ hasText: "admin@localhost" })).toBeVisible();
  });
});
