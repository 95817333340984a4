// Single sign-on in the browser: an admin configures the provider and
// verifies a domain on /app/settings/sso, then a new user of that domain
// signs in with "Sign in with SSO" and is created just in time. The Go
// test runs the OpenID provider and the DNS server; environment:
//   GSIGN_E2E_IDP, GSIGN_E2E_IDP_CLIENT, GSIGN_E2E_IDP_SECRET  the provider
//   GSIGN_E2E_DNS_CONTROL  POST name=…&value=… publishes a TXT record

import assert from "node:assert/strict";

const env = process.env;

/** ssoTests runs the SSO tests with run.mjs's helpers. */
export async function ssoTests({ browser, base, test, register, shot, guard }) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  guard(page);

  await test("an admin configures SSO and verifies a domain by DNS", async () => {
    await register(page, "ada@sso.example");
    await page.goto(`${base}/app/settings/sso`);
    await page.fill("input[name=issuer]", env.GSIGN_E2E_IDP);
    await page.fill("input[name=client_id]", env.GSIGN_E2E_IDP_CLIENT);
    await page.fill("input[name=client_secret]", env.GSIGN_E2E_IDP_SECRET);
    await page.fill("textarea[name=domains]", "sso.example");
    await page.click("[data-sso-form] button[type=submit]");
    const row = page.locator("tr[data-domain='sso.example']");
    await row.waitFor();
    assert.equal(await page.textContent("[data-redirect-url]"), `${base}/api/v1/sso/callback`);
    assert.match(await page.inputValue("input[name=client_secret]"), /^$/, "the secret is not shown again");
    await page.click("button[data-verify='sso.example']");
    await page.waitForSelector("[role=alert]:not([hidden])");
    assert.match(await page.textContent("[role=alert]:not([hidden])"), /has no TXT record "gsign-verification=/);
    const record = await row.locator("code").textContent();
    const res = await fetch(env.GSIGN_E2E_DNS_CONTROL, { method: "POST", body: new URLSearchParams({ name: "sso.example", value: record }) });
    assert.equal(res.status, 204);
    await page.click("button[data-verify='sso.example']");
    await page.waitForSelector("tr[data-domain='sso.example'] .badge.completed");
    await shot(page, "sso-settings");
  });

  await test("a new user signs in with SSO and is created just in time", async () => {
    await ctx.clearCookies();
    await page.goto(`${base}/app/login`);
    await page.fill("input[name=email]", "nobody@elsewhere.example");
    await page.click("button[data-sso]");
    await page.waitForSelector("text=no organization signs in elsewhere.example with SSO");
    await page.fill("input[name=email]", "sam@sso.example");
    await page.click("button[data-sso]");
    await page.waitForURL(`${base}/app/`);
    await page.waitForSelector("text=Envelopes");
    const access = (await ctx.cookies()).find((c) => c.name === "gsign_access");
    assert.ok(access?.httpOnly, "the SSO sign-in set the session cookie");
    await shot(page, "sso-signed-in");
    const res = await page.request.post(`${base}/api/v1/auth/login`, { data: { email: "sam@sso.example", password: "anything long enough" } });
    assert.equal(res.status(), 401, "a user created by SSO has no password");
  });
  await ctx.close();
}
