// Browser tests against a real server on a fresh SQLite database.
// Chromium comes from Debian (/usr/bin/chromium); Playwright never downloads one.
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3123);
const server = process.env.MAILROOM_BIN ?? "../target/debug/mailroom";
export const adminPassword = "e2e-admin-password";
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
    trace: "retain-on-failure",
  },
  webServer: {
    // A fresh data directory every run, so the first start bootstraps.
    command: `rm -rf ../target/e2e-data && exec ${server}`,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    env: {
      MAILROOM_DATA_DIR: "../target/e2e-data",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "../target/site",
      MAILROOM_PUBLIC_URL: baseURL,
      MAILROOM_ADMIN_PASSWORD: adminPassword,
      RUST_LOG: process.env.E2E_RUST_LOG ?? "warn",
      // Short enough to wait out in a test, long enough that a second send is refused.
      MAILROOM_CODE_MAIL_MIN_INTERVAL: "3",
      MAILROOM_WORKER_POLL_MS: "100",
    },
  },
});
