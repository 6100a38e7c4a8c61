// SPEC §4 in a real browser: the console's email actions, the mail links, the
// end-user pages, permissions, and accessibility.
import { expect, test } from "@playwright/test";
import { api, expectAccessible, hydrated, newestMailLink, signIn, unique, verifiedUser } from "./helpers";

test("admin changes an email, the mail's link verifies it, the console shows it", async ({ page, browser, request }) => {
  const name = unique("carol");
  const userId = await verifiedUser(request, name);
  await signIn(page);
  await page.goto(`/users/${userId}`);
  await hydrated(page);
  await expectAccessible(page);
  await page.locator("summary", { hasText: "Change email" }).click();
  await page.getByLabel("New address").fill(`${name}.new@example.com`);
  await page.getByLabel("send a verification mail").check();
  await page.getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("action-result")).toContainText("verification mail is on its way");
  await expect(page.getByTestId("user-email")).toHaveText(`${name}.new@example.com`);
  await expect(page.getByTestId("email-badge")).toHaveText("pending");

  const link = await newestMailLink(page, request, userId);
  expect(link).toContain(`userId=${userId}`);
  // The end user has no session.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await expect(visitor).toHaveTitle("Verify your email address · Mailroom");
  await expect(visitor.getByTestId("verify-address")).toContainText("@example.com");
  await expectAccessible(visitor);
  if (process.env.UPDATE_SCREENSHOTS) await visitor.screenshot({ path: "../docs/screenshots/verify-page.png" });
  await visitor.getByRole("button", { name: "Verify" }).click();
  await expect(visitor.getByTestId("verify-result")).toContainText("your email address is verified");
  await expectAccessible(visitor);

  await page.goto(`/users/${userId}`);
  await expect(page.getByTestId("email-badge")).toHaveText("verified");
  // The readable audit log: who, what, when, through which door.
  const entry = (type: string) => page.locator(`[data-testid="audit-entry"][data-type="${type}"]`);
  await expect(entry("user.human.email.verified").first()).toContainText("a link in a mail verified the email address");
  await expect(entry("user.human.email.verified").first()).toContainText("via end-user page");
  await expect(entry("user.human.email.changed")).toHaveCount(1);
  await expect(entry("user.human.email.changed")).toContainText(`Mailroom Administrator changed the email to ${name}.new@example.com`);
  await expect(entry("user.human.email.changed")).toContainText("via console");
  await expect(entry("user.human.email.code.sent")).toHaveCount(1);
  await expect(entry("user.human.added")).toContainText("via REST API");
  await expect(page.getByTestId("mail-row").first().getByTestId("mail-status")).toHaveText("captured");
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "../docs/screenshots/user-page.png", fullPage: true });
});

test("change email in its other modes; a second send is refused with the wait time", async ({ page, request }) => {
  const name = unique("dan");
  const userId = await verifiedUser(request, name);
  await signIn(page);
  await page.goto(`/users/${userId}`);
  await hydrated(page);
  await page.locator("summary", { hasText: "Change email" }).click();
  await page.getByLabel("New address").fill(`${name}.shown@example.com`);
  await page.getByLabel("show the code once").check();
  await page.getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("shown-code")).toHaveText(/^[A-Z0-9]{6}$/);

  await page.locator("summary", { hasText: "Mark verified" }).click();
  await page.getByRole("button", { name: "Confirm: mark verified" }).click();
  await expect(page.getByTestId("email-badge")).toHaveText("verified");

  await page.locator("summary", { hasText: "Send code" }).click();
  await page.getByRole("button", { name: "Confirm: send code" }).click();
  await expect(page.getByTestId("action-result").last()).toContainText("new verification code");
  await page.getByRole("button", { name: "Confirm: send code" }).click();
  await expect(page.getByTestId("action-error")).toContainText("Too many codes sent");
  await expect(page.getByTestId("action-error")).toContainText(/next code can be sent in \d+ seconds/);
});

test("an initial user gets a new initialization mail, sets a password and is active", async ({ page, browser, request }) => {
  const name = unique("ivy");
  const created = await api(request, "POST", "/management/v1/users/human", {
    userName: name,
    profile: { firstName: "Ivy", lastName: "Init" },
    email: { email: `${name}@example.com` },
  });
  const userId = created.userId;
  await signIn(page);
  await page.goto(`/users/${userId}`);
  await hydrated(page);
  await expect(page.getByTestId("user-state")).toHaveText("initial");
  // The creation mailed a code: wait out the send interval (3 s in these tests).
  await page.waitForTimeout(3_500);
  await page.locator("summary", { hasText: "Resend initialization" }).click();
  await page.getByLabel("Corrected address (optional)").fill(`${name}.fixed@example.com`);
  await page.getByRole("button", { name: "Confirm: resend initialization" }).click();
  await expect(page.getByTestId("action-result")).toContainText("initialization mail");
  await expect(page.getByTestId("user-email")).toHaveText(`${name}.fixed@example.com`);

  const link = await newestMailLink(page, request, userId);
  expect(link).toContain("/ui/login/user/init?");
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await expectAccessible(visitor);
  await visitor.getByLabel("New password (at least 8 characters)").fill("long-password-1");
  await visitor.getByLabel("New password again").fill("long-password-2");
  await visitor.getByRole("button", { name: "Set password" }).click();
  await expect(visitor.getByTestId("init-error")).toContainText("The two passwords differ");
  await visitor.getByLabel("New password (at least 8 characters)").fill("a-long-password");
  await visitor.getByLabel("New password again").fill("a-long-password");
  await visitor.getByRole("button", { name: "Set password" }).click();
  await expect(visitor.getByTestId("init-result")).toContainText("Your password is set");

  await page.goto(`/users/${userId}`);
  await expect(page.getByTestId("user-state")).toHaveText("active");
  await expect(page.getByTestId("email-badge")).toHaveText("verified");
});

test("a wrong code shows the invalid page; asking for a new code answers alike for everyone", async ({ page, request }) => {
  const name = unique("erin");
  const created = await api(request, "POST", "/v2/users/human", {
    username: name,
    profile: { givenName: "Erin", familyName: "Wrong" },
    email: { email: `${name}@example.com`, returnCode: {} },
  });
  await page.goto(`/ui/v2/login/verify?userId=${created.userId}&organization=x&code=ZZZZZZ`);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("wrong, was already used, or has expired");
  await expectAccessible(page);
  await page.getByRole("button", { name: "Send me a new code" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("new code is on its way");
  // Over the send limit the answer is the same (SPEC §7: it reveals nothing).
  await page.getByRole("button", { name: "Send me a new code" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("new code is on its way");
  // Unknown users get the same answer.
  await page.goto(`/ui/v2/login/verify?userId=1&result=invalid`);
  await page.getByRole("button", { name: "Send me a new code" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("new code is on its way");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the verification link works as plain HTML", async ({ browser, request }) => {
    const name = unique("nojs");
    const created = await api(request, "POST", "/v2/users/human", {
      username: name,
      profile: { givenName: "No", familyName: "Script" },
      email: { email: `${name}@example.com`, returnCode: {} },
    });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const visitor = await context.newPage();
    await visitor.goto(`/ui/v2/login/verify?userId=${created.userId}&organization=x&code=${created.emailCode}`);
    await expect(visitor.getByTestId("verify-address")).toBeVisible();
    await visitor.getByRole("button", { name: "Verify" }).click();
    await expect(visitor.getByTestId("verify-result")).toContainText("your email address is verified");
    const user = await api(request, "GET", `/v2/users/${created.userId}`);
    expect(user.user.human.email.isVerified).toBe(true);
  });

  test("the email panel's forms post as plain HTML; a refused send shows its error", async ({ page, request }) => {
    const name = unique("plain");
    const userId = await verifiedUser(request, name);
    await signIn(page);
    await page.goto(`/users/${userId}`);
    await page.locator("summary", { hasText: "Change email" }).click();
    await page.getByLabel("New address").fill(`${name}.plain@example.com`);
    await page.getByRole("button", { name: "Confirm change" }).click();
    // The post redirects back to the page, which shows the new state.
    await expect(page).toHaveURL(new RegExp(`/users/${userId}\\??$`));
    await expect(page.getByTestId("user-email")).toHaveText(`${name}.plain@example.com`);
    await expect(page.getByTestId("email-badge")).toHaveText("pending");
    // The change mailed a code; another send within the interval is refused, and the
    // error comes back in the URL to the panel.
    await page.locator("summary", { hasText: "Send code" }).click();
    await page.getByRole("button", { name: "Confirm: send code" }).click();
    await expect(page.getByTestId("action-error")).toContainText("Too many codes sent");
    const user = await api(request, "GET", `/v2/users/${userId}`);
    expect(user.user.human.email.email).toBe(`${name}.plain@example.com`);
  });
});

test("a viewer sees the pages but no actions, and the server refuses forced actions", async ({ page, request }) => {
  const name = unique("vera");
  const viewer = await api(request, "POST", "/management/v1/users/human", {
    userName: name,
    profile: { firstName: "Vera", lastName: "Viewer" },
    email: { email: `${name}@example.com`, isEmailVerified: true },
    initialPassword: "viewer-password",
  });
  await api(request, "POST", "/management/v1/orgs/me/members", { userId: viewer.userId, roles: ["ORG_OWNER_VIEWER"] });
  const target = await verifiedUser(request, unique("target"));
  await signIn(page, name, "viewer-password");
  await page.goto(`/users/${target}`);
  await expect(page.getByTestId("user-email")).toBeVisible();
  // No action (the audit log's JSON is no action).
  await expect(page.locator("summary").filter({ hasNotText: "JSON" })).toHaveCount(0);
  await expectAccessible(page);
  const forced = await page.request.post("/api/send_code", {
    form: { id: target, resend: "false" },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(forced.status()).toBe(403);
  expect(await forced.text()).toContain("No matching permissions found");
});

test("every console page passes axe", async ({ page }) => {
  await page.goto("/login");
  await expectAccessible(page);
  await signIn(page);
  await expectAccessible(page);
  await page.goto("/mailbox");
  await expect(page).toHaveTitle("Mailbox · Mailroom");
  await expectAccessible(page);
  await page.goto("/ui/login/user/init?userID=1&code=X&loginname=someone");
  await expectAccessible(page);
});
