// SPEC §4, second stage: bulk sends from the users list. Picked users or every user
// matching the filter get a verification code as one background job, whose progress
// updates live with JavaScript and on reload without.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { api, expectAccessible, hydrated, signIn, unique } from "./helpers";

async function unverifiedUsers(request: APIRequestContext, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await api(request, "POST", "/v2/users/human", {
      username: `${prefix}-${i}`,
      profile: { givenName: "Bulk", familyName: `${i}` },
      email: { email: `${prefix}-${i}@example.com`, returnCode: {} },
    });
    ids.push(created.userId);
  }
  return ids;
}

async function codesAdded(request: APIRequestContext, userId: string): Promise<number> {
  const log = await api(request, "GET", `/mailroom/v1/users/${userId}/events`);
  return log.events.filter((e: { type: string }) => e.type === "user.human.email.code.added").length;
}

test("the picked users each get a code; the job's progress updates live", async ({ page, request }) => {
  const prefix = unique("bulk");
  const ids = await unverifiedUsers(request, prefix, 3);
  await signIn(page);
  await page.goto(`/users?q=${prefix}`);
  await expect(page.getByTestId("user-row")).toHaveCount(3);
  await expectAccessible(page);
  await page.getByLabel(`Pick ${prefix}-0`).check();
  await page.getByLabel(`Pick ${prefix}-2`).check();
  await page.getByLabel("Send").selectOption("send_code");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  await hydrated(page);
  // The island asks again each second until the job is done.
  await expect(page.getByTestId("job-figures")).toHaveAttribute("data-state", "done", { timeout: 15_000 });
  await expect(page.getByRole("progressbar")).toHaveAttribute("value", "2");
  await expect(page.getByTestId("job-sent").locator("dd")).toHaveText("2");
  await expectAccessible(page);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "../docs/screenshots/job.png", fullPage: true });
  expect(await codesAdded(request, ids[0])).toBe(2);
  expect(await codesAdded(request, ids[1])).toBe(1);
  expect(await codesAdded(request, ids[2])).toBe(2);

  // Listed until dismissed.
  const jobPath = new URL(page.url()).pathname;
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
  const listed = page.getByTestId("job").filter({ has: page.locator(`a[href="${jobPath}"]`) });
  await expect(listed).toHaveCount(1);
  await expectAccessible(page);
  await listed.getByRole("button", { name: "Dismiss" }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByTestId("job").filter({ has: page.locator(`a[href="${jobPath}"]`) })).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("every user matching the filter gets a code; reload shows the progress", async ({ page, request }) => {
    const prefix = unique("plainbulk");
    const ids = await unverifiedUsers(request, prefix, 2);
    await signIn(page);
    await page.goto(`/users?q=${prefix}`);
    await page.getByLabel("to all 2 users matching this filter").check();
    await page.getByRole("button", { name: "Start" }).click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("job-figures")).toHaveAttribute("data-state", "done", { timeout: 100 });
    }).toPass({ timeout: 15_000 });
    await expect(page.getByTestId("job-sent").locator("dd")).toHaveText("2");
    for (const id of ids) expect(await codesAdded(request, id)).toBe(2);
  });
});
