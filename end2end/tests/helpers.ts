// Shared steps: the API (with the first start's PAT), signing in, reading the dev mailbox.
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "node:fs";
import { adminPassword } from "../playwright.config";

export function pat(): string {
  return fs.readFileSync("../target/e2e-data/admin.pat", "utf8").trim();
}

export async function api(request: APIRequestContext, method: string, path: string, body?: unknown) {
  const response = await request.fetch(path, {
    method,
    headers: { Authorization: `Bearer ${pat()}`, "Content-Type": "application/json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  expect(response.status(), JSON.stringify(json)).toBe(200);
  return json;
}

let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** A verified human created through the v2 API; returns its id. */
export async function verifiedUser(request: APIRequestContext, name: string): Promise<string> {
  const created = await api(request, "POST", "/v2/users/human", {
    username: name,
    profile: { givenName: "Test", familyName: name },
    email: { email: `${name}@example.com`, isVerified: true },
  });
  return created.userId;
}

export async function signIn(page: Page, username = "admin", password = adminPassword) {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** Waits until every island on the page runs; before that its forms post as plain HTML. */
export async function hydrated(page: Page) {
  await expect(page.locator("leptos-island").first()).toBeAttached();
  await expect(page.locator("leptos-island:not(:has([data-hydrated]))")).toHaveCount(0);
}

/** The link of the newest mail to `userId`, read from the console's mail preview. */
export async function newestMailLink(page: Page, request: APIRequestContext, userId: string): Promise<string> {
  let mailId = "";
  await expect
    .poll(async () => {
      const list = await api(request, "GET", `/mailroom/v1/mails?userId=${userId}&limit=1`);
      const mail = list.mails?.[0];
      mailId = mail?.id ?? "";
      return mail?.status;
    }, { timeout: 15_000 })
    .toBe("captured");
  await page.goto(`/mailbox/${mailId}/preview`);
  const href = await page.locator("a[href*='/ui/']").first().getAttribute("href");
  expect(href).toBeTruthy();
  return href!;
}

/** axe: no serious or critical violations. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}
