// End-to-end tests of the web app in Debian's Chromium, driven by
// playwright-core against a running gsign (internal/cli/webapp_e2e_test.go
// starts it and runs this script). Environment:
//   GSIGN_E2E_URL          the server, e.g. http://127.0.0.1:41234
//   GSIGN_E2E_MAIL         the server's mail folder (.eml files with signing links)
//   GSIGN_E2E_PDF          a 2-page PDF to upload; GSIGN_E2E_PDF_LONG a 100-page one
//   GSIGN_E2E_SCREENSHOTS  the folder for a screenshot of each step
//   GSIGN_TEST_BROWSER     the Chromium executable (/usr/bin/chromium)
// It prints "N passed, N failed" and exits non-zero on any failure.

import { chromium, devices } from "playwright-core";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import assert from "node:assert/strict";
import { ssoTests } from "./sso.mjs";

const base = process.env.GSIGN_E2E_URL;
const mailDir = process.env.GSIGN_E2E_MAIL;
const shots = process.env.GSIGN_E2E_SCREENSHOTS;
const pdfPath = process.env.GSIGN_E2E_PDF;
const longPdfPath = process.env.GSIGN_E2E_PDF_LONG;

// Markup and script in everything a sender or signer types. If any of it
// ran, window.__xss would be set or a dialog would open.
const X = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;
const envelopeName = `Lease ${X}`;
const subject = `Sign <b onmouseover="window.__xss=1">now</b>`;
const ana = { name: `Ana ${X}`, email: "ana@example.com" };
const bob = { name: "Bob Typed", email: "bob@example.com" };
const textValue = `Value ${X}`;

let step = 0;
const results = [];

async function shot(page, name) {
  step++;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: false });
}

/** guard fails the test if any script from user input runs in the page. */
function guard(page) {
  page.setDefaultTimeout(30000);
  page.on("dialog", async (d) => {
    results.push({ name: `no dialog on ${page.url()}`, error: new Error(`a dialog opened: ${d.message()}`) });
    await d.dismiss();
  });
  page.on("pageerror", (e) => console.error("page error:", page.url(), e.message));
}

async function noXSS(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `script from user input ran on ${page.url()}`);
}

/** mailMatch waits for an email to addr, not in after, whose text matches
 * re, marks it seen and returns the match. */
async function mailMatch(addr, after, re, what) {
  for (let i = 0; i < 150; i++) {
    for (const f of readdirSync(mailDir).filter((f) => f.endsWith(".eml") && !after.has(f))) {
      // Undo quoted-printable soft breaks and header folding (a long,
      // encoded display name puts the address on a continuation line).
      const text = readFileSync(join(mailDir, f), "utf8").replace(/=\r?\n/g, "").replace(/\r?\n[ \t]+/g, " ");
      if (!new RegExp(`^To:.*${addr.replace(".", "\\.")}`, "mi").test(text)) continue;
      const m = text.match(re);
      if (m) { after.add(f); return m; }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${what} email to ${addr}`);
}

/** signingLink waits for the email to addr and returns its /s/ link. */
async function signingLink(addr, after = new Set()) {
  const m = await mailMatch(addr, after, /https?:\/\/[^\s"<>]*\/s\/(gst_[A-Za-z0-9_-]+)/, "signing");
  return `${base}/s/${m[1]}`;
}

/** mailedCode waits for a one-time code email to addr and returns the code. */
async function mailedCode(addr, after) {
  return (await mailMatch(addr, after, /one-time code to open[^]*? is:\s+(\d{6})/, "code"))[1];
}

async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, error });
    console.log(`FAIL ${name}: ${error.stack}`);
  }
}

async function register(page, email) {
  await page.goto(`${base}/app/register`);
  await page.fill("input[name=name]", "Olive Owner");
  await page.fill("input[name=organization]", `Acme ${X}`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", "correct horse battery");
  await shot(page, "register");
  await page.click("button[type=submit]");
  await page.waitForSelector("text=Envelopes");
}

/** newDraft creates an envelope in the UI and uploads a PDF to it. */
async function newDraft(name, pdf) {
  await sp.goto(`${base}/app/new`);
  await sp.fill("input[name=name]", name);
  await sp.click("button[type=submit]");
  await sp.waitForSelector("#upload");
  await sp.setInputFiles("#upload", pdf);
  await sp.waitForSelector(".page[data-page='1'][data-rendered=true]");
}

async function addRecipient(name, email, role = "signer", auth = "none") {
  await sp.fill("#add-recipient input[name=name]", name);
  await sp.fill("#add-recipient input[name=email]", email);
  await sp.selectOption("#add-recipient select[name=role]", role);
  await sp.selectOption("#add-recipient select[name=auth]", auth);
  await sp.click("#add-recipient button[type=submit]");
}

async function dropField(page, type, email, pageBox, x, y) {
  const value = await page.locator("#assignee option", { hasText: email }).getAttribute("value");
  await page.selectOption("#assignee", value);
  await page.dragAndDrop(`.tool[data-type=${type}]`, `${pageBox} .overlay`, { targetPosition: { x, y } });
}

const browser = await chromium.launch({
  executablePath: process.env.GSIGN_TEST_BROWSER,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const sender = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const sp = await sender.newPage();
guard(sp);
const seen = new Set();
let envelopeURL = "";
let signedPDF = "";

await test("security headers and the app shell", async () => {
  const res = await sp.goto(`${base}/app/login`);
  const csp = res.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers()["referrer-policy"], "no-referrer");
  const manifest = await (await sp.request.get(`${base}/app/manifest.webmanifest`)).json();
  assert.equal(manifest.start_url, "/app/");
});

await test("a sender registers, creates and sends an envelope with two signers", async () => {
  await register(sp, "olive@example.com");
  const cookies = await sender.cookies();
  const access = cookies.find((c) => c.name === "gsign_access");
  assert.ok(access?.httpOnly, "the session cookie is HttpOnly");
  assert.equal(access.sameSite, "Lax");
  await sp.click("text=New envelope >> nth=0");
  await sp.fill("input[name=name]", envelopeName);
  await sp.fill("input[name=subject]", subject);
  await sp.click("button[type=submit]");
  await sp.waitForSelector("#upload");
  await sp.setInputFiles("#upload", pdfPath);
  await sp.waitForSelector(".page[data-page='1'][data-rendered=true]");
  // Bob first, then Ana; dragging Ana above Bob makes her sign first.
  for (const r of [bob, ana]) await addRecipient(r.name, r.email);
  await sp.dragAndDrop("#recipients li >> nth=1", "#recipients li >> nth=0");
  assert.match(await sp.textContent("#recipients li >> nth=0"), /ana@example\.com/);
  assert.equal(await sp.inputValue("#recipients li >> nth=0 >> input.order"), "1");
  await dropField(sp, "signature", ana.email, ".page[data-page='1']", 200, 300);
  await dropField(sp, "text", ana.email, ".page[data-page='1']", 200, 420);
  await dropField(sp, "signature", bob.email, ".page[data-page='1']", 200, 520);
  // Resize Ana's signature by dragging its corner.
  const first = sp.locator(".placed >> nth=0");
  const before = await first.boundingBox();
  const handle = await sp.locator(".placed >> nth=0 >> .resize").boundingBox();
  await sp.mouse.move(handle.x + 4, handle.y + 4);
  await sp.mouse.down();
  await sp.mouse.move(handle.x + 44, handle.y + 14, { steps: 4 });
  await sp.mouse.up();
  const after = await first.boundingBox();
  assert.ok(after.width > before.width + 20, `resized from ${before.width} to ${after.width}`);
  // Fields move with the keyboard too.
  await first.focus();
  await sp.keyboard.press("Shift+ArrowDown");
  const moved = await first.boundingBox();
  assert.ok(moved.y > after.y + 5, `moved down from ${after.y} to ${moved.y}`);
  // A field placed and deleted again; then a reload shows the saved draft.
  await dropField(sp, "checkbox", bob.email, ".page[data-page='1']", 400, 600);
  await sp.click(".placed[data-type=checkbox]");
  await sp.click("#inspector button:text('Remove field')");
  assert.equal(await sp.locator(".placed[data-type=checkbox]").count(), 0);
  await sp.waitForSelector(".editor:not([data-saving])");
  await sp.reload();
  await sp.waitForSelector(".page[data-page='1'][data-rendered=true]");
  await sp.waitForSelector(".placed >> nth=2");
  assert.equal(await sp.locator(".placed").count(), 3, "the reloaded editor shows the three saved fields");
  assert.match(await sp.textContent("#recipients li >> nth=0"), /ana@example\.com/, "the new routing order was saved");
  const reloaded = await sp.locator(".placed >> nth=0").boundingBox();
  assert.ok(Math.abs(reloaded.y - moved.y) < 2 && Math.abs(reloaded.width - moved.width) < 2,
    `the moved and resized field was saved: ${JSON.stringify(moved)} then ${JSON.stringify(reloaded)}`);
  await shot(sp, "editor-fields-placed");
  await noXSS(sp);
  await sp.click("#send");
  await sp.waitForSelector("#recipient-progress");
  envelopeURL = sp.url();
  assert.match(await sp.textContent("#envelope-status"), /sent|delivered/);
  await shot(sp, "envelope-sent");
  await noXSS(sp);
});

await test("the dashboard shows names as text, searches and filters by status", async () => {
  await sp.goto(`${base}/app/`);
  await sp.waitForSelector("tbody tr[data-envelope]");
  assert.equal(await sp.textContent("tbody tr[data-envelope] td >> nth=0"), envelopeName);
  await sp.fill("input[name=q]", "no such thing");
  await sp.waitForSelector("text=No envelope matches.");
  await sp.fill("input[name=q]", "NOW</B>"); // in the subject, other case
  await sp.waitForSelector("tbody tr[data-envelope]");
  await sp.selectOption("select[name=status]", "completed");
  await sp.waitForSelector("text=No envelope matches.");
  await sp.selectOption("select[name=status]", "");
  await sp.waitForSelector("tbody tr[data-envelope]");
  await shot(sp, "dashboard");
  await noXSS(sp);
});

await test("the first signer signs on a 360-pixel phone by drawing with a finger", async () => {
  const phone = await browser.newContext({ ...devices["Pixel 5"], viewport: { width: 360, height: 740 } });
  const p = await phone.newPage();
  guard(p);
  const res = await p.goto(await signingLink(ana.email, seen));
  assert.equal(res.headers()["referrer-policy"], "no-referrer");
  await p.waitForSelector("#consent");
  assert.equal(await p.textContent("h1"), envelopeName);
  assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 360, "the consent page fits 360 pixels");
  await shot(p, "phone-consent");
  await p.check("#consent");
  await p.click("#consent-continue");
  await p.waitForSelector(".field.mine");
  assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 360, "no horizontal scrolling");
  await p.click("#next-field");
  await p.click(".field.signature");
  await p.waitForSelector(".draw-pad");
  await touchStroke(p, ".draw-pad");
  await shot(p, "phone-drawn");
  await p.click("text=Adopt and sign");
  await p.waitForSelector(".field.signature.filled img.sig-image");
  await p.click(".field.text");
  await p.fill("dialog input[name=answer]", textValue);
  await p.click("dialog button[type=submit]");
  await p.waitForSelector(".field.text.filled");
  assert.equal(await p.textContent(".field.text"), textValue);
  await shot(p, "phone-filled");
  await p.click("#finish");
  await p.waitForSelector("#finished");
  await shot(p, "phone-finished");
  await noXSS(p);
  await phone.close();
});

await test("the second signer signs on a desktop by typing", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  guard(p);
  await p.goto(await signingLink(bob.email, seen));
  await p.check("#consent");
  await p.click("#consent-continue");
  await p.click("#next-field");
  await p.click(".field.signature");
  await p.click("[data-tab=typed]");
  assert.equal(await p.inputValue("input[name=typed]"), bob.name);
  // Every font is offered, previewed in itself; Bob picks a handwriting one.
  assert.equal(await p.locator("input[name=font]").count(), 4);
  assert.ok(await p.isChecked("input[name=font][value=go-italic]"), "the server's default font is chosen first");
  await p.check("input[name=font][value=dancing-script]");
  // Nothing but the previews uses the fonts: each loads because its preview
  // is laid out in it, from the binary's /app/fonts/{id}.ttf.
  const loaded = (family) => p.waitForFunction((family) =>
    [...document.fonts].some((f) => f.family.replaceAll('"', "") === family && f.status === "loaded"), family, { timeout: 10000 });
  await loaded("GSign dancing-script");
  await loaded("GSign go-italic");
  await shot(p, "desktop-typed");
  const fill = p.waitForRequest((r) => r.method() === "POST" && r.url().includes("/fields/"));
  await p.click("text=Adopt and sign");
  assert.equal((await fill).postDataJSON().signature.font, "dancing-script", "the fill sends the chosen font");
  await p.waitForSelector(".field.signature.filled .sig-typed.sigfont-dancing-script");
  const family = await p.$eval(".field.signature.filled .sig-typed", (el) => getComputedStyle(el).fontFamily);
  assert.match(family, /GSign dancing-script/, "the filled field shows the signature in the chosen font");
  await p.click("#finish");
  await p.waitForSelector("#finished");
  await shot(p, "desktop-finished");
  await ctx.close();
});

await test("the sender sees the audit trail and downloads the sealed PDF", async () => {
  await sp.goto(envelopeURL);
  await sp.waitForSelector("#downloads", { timeout: 60000 });
  assert.equal(await sp.textContent("#envelope-status"), "completed");
  assert.ok((await sp.locator("#timeline li").count()) >= 6, "audit events listed");
  await shot(sp, "envelope-completed");
  const [download] = await Promise.all([sp.waitForEvent("download"), sp.click("[data-part=combined]")]);
  signedPDF = join(shots, "signed.pdf");
  await download.saveAs(signedPDF);
  assert.equal(readFileSync(signedPDF).subarray(0, 5).toString(), "%PDF-");
  // The certificate draws names and values as text too (when poppler's
  // pdftotext is installed, as in CI).
  let text = "";
  try { text = execFileSync("pdftotext", ["-layout", signedPDF, "-"], { encoding: "utf8" }); } catch { console.log("pdftotext missing: certificate text not checked"); }
  if (text) {
    assert.match(text, /Ana <img src=x/, "the certificate shows the name as text");
    assert.match(text, /onerror="window\.__xss=1"><script>window\.__xss=1/, "the certificate shows the markup as text");
  }
  await noXSS(sp);
});

await test("the verify page reports the sealed PDF valid", async () => {
  const p = await browser.newPage();
  guard(p);
  await p.goto(`${base}/verify`);
  await p.setInputFiles("#verify-file", signedPDF);
  await p.waitForSelector("#verdict");
  assert.match(await p.textContent("#verdict"), /is valid/);
  await p.click("#report details:last-of-type summary");
  assert.match(await p.textContent("#report"), /chain_oktrue/, "the evidence's audit chain is reported");
  await noXSS(p);
  await shot(p, "verify-valid");
  await p.setInputFiles("#verify-file", { name: "not.pdf", mimeType: "application/pdf", buffer: Buffer.from("hello") });
  await p.waitForSelector(".error:not([hidden])");
  await shot(p, "verify-not-a-pdf");
  await p.close();
});

await test("a viewer in parallel reads; a signer declines with a reason, and the sender sees it", async () => {
  await newDraft("NDA", longPdfPath);
  const rendered = await sp.locator(".page[data-rendered=true]").count();
  assert.ok(rendered < 20, `only pages near the view are rendered (${rendered} of 100)`);
  await addRecipient("Dee Cline", "dee@example.com");
  // A viewer in parallel with Dee: the same routing number.
  await addRecipient("Vic Viewer", "vic@example.com", "viewer");
  await sp.fill("#recipients li >> nth=1 >> input.order", "1");
  await sp.dispatchEvent("#recipients li >> nth=1 >> input.order", "change");
  // Place by tapping the tool and then the page, as on a touch screen.
  await sp.click(".tool[data-type=signature]");
  await sp.click(".page[data-page='1'] .overlay", { position: { x: 150, y: 150 } });
  assert.equal(await sp.locator(".placed").count(), 1);
  await sp.click("#send");
  await sp.waitForSelector("#recipient-progress");
  const url = sp.url();
  const v = await browser.newPage();
  guard(v);
  await v.goto(await signingLink("vic@example.com", seen)); // notified with Dee, not after her
  await v.check("#consent");
  await v.click("#consent-continue");
  await v.waitForSelector("#copy-only");
  assert.equal(await v.locator("#finish, #decline").count(), 0, "a viewer has nothing to finish or decline");
  await shot(v, "viewer");
  await v.close();
  const p = await browser.newPage();
  guard(p);
  await p.goto(await signingLink("dee@example.com", seen));
  await p.waitForSelector("#decline");
  await p.click("#decline");
  await p.fill("dialog textarea[name=answer]", `Wrong dates ${X}`);
  await shot(p, "decline-reason");
  await p.click("dialog button[type=submit]");
  await p.waitForSelector("#declined");
  await shot(p, "declined");
  await noXSS(p);
  await p.close();
  await sp.goto(url);
  await sp.waitForSelector("#envelope-status");
  assert.equal(await sp.textContent("#envelope-status"), "declined");
  assert.match(await sp.textContent("#recipient-progress"), /Wrong dates <img/);
  await shot(sp, "envelope-declined");
  await noXSS(sp);
});

await test("the sender voids a sent envelope with a reason", async () => {
  await newDraft("Quote", pdfPath);
  await addRecipient("Val Void", "val@example.com");
  await dropField(sp, "signature", "val@example.com", ".page[data-page='1']", 150, 150);
  await sp.click("#send");
  await sp.waitForSelector("#void");
  // Resend: a second email with a fresh link goes to the signer.
  const first = await signingLink("val@example.com", seen);
  await sp.click("button.resend");
  await sp.waitForSelector("button.resend:text('Sent again')");
  const second = await signingLink("val@example.com", seen);
  assert.notEqual(second, first, "the resent email has a link of its own");
  await shot(sp, "envelope-resent");
  await sp.click("#void");
  await sp.fill("dialog textarea[name=answer]", `Wrong price ${X}`);
  await sp.click("dialog button[type=submit]");
  await sp.waitForSelector("#envelope-status:text('voided')");
  assert.match(await sp.textContent(".card"), /Voided: Wrong price <img src=x/);
  assert.equal(await sp.locator("#void").count(), 0, "a voided envelope cannot be voided again");
  await shot(sp, "envelope-voided");
  await noXSS(sp);
});

await test("a signer with an email code enters it before seeing the documents", async () => {
  await newDraft("Code check", pdfPath);
  await addRecipient("Otto Code", "otto@example.com", "signer", "email_otp");
  await sp.waitForSelector("#recipients [data-auth=email_otp]");
  await sp.click(".tool[data-type=signature]");
  await sp.click(".page[data-page='1'] .overlay", { position: { x: 150, y: 150 } });
  assert.equal(await sp.locator(".placed").count(), 1);
  await shot(sp, "auth-editor");
  await sp.click("#send");
  await sp.waitForSelector("#void");
  const p = await browser.newPage();
  guard(p);
  await p.goto(await signingLink("otto@example.com", seen));
  await p.waitForSelector("#auth");
  assert.match(await p.textContent("#auth"), /o\*\*\*@example\.com/);
  assert.equal(await p.locator(".page").count(), 0, "no document before the code");
  await p.click("#auth-send");
  const code = await mailedCode("otto@example.com", seen);
  await p.fill("#auth-code", code === "000000" ? "000001" : "000000");
  await p.click("#auth-verify");
  await p.waitForSelector(".error:has-text('wrong')");
  await shot(p, "auth-wrong-code");
  await p.fill("#auth-code", code);
  await p.click("#auth-verify");
  await p.check("#consent");
  await p.click("#consent-continue");
  // The document frames load with the HttpOnly proof cookie.
  await p.waitForSelector(".page[data-page='1'][data-rendered=true]");
  await shot(p, "auth-documents");
  await p.close();
});

await test("the service worker controls /app/ and caches the shell only", async () => {
  await sp.goto(`${base}/app/`);
  const scope = await sp.evaluate(() => navigator.serviceWorker.ready.then((r) => r.scope));
  assert.equal(scope, `${base}/app/`);
  await sp.reload();
  await sp.waitForSelector("tbody tr[data-envelope]");
  const cached = await sp.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
    return urls;
  });
  assert.ok(cached.some((u) => u.startsWith("/app/assets/")), `the shell's assets are cached: ${cached}`);
  const bad = cached.filter((u) => !u.startsWith("/app/") || u.startsWith("/app/envelopes/"));
  assert.deepEqual(bad, [], "nothing but the shell is cached (no API responses, documents or signing pages)");
});

await test("cookie-authenticated writes need the app's header", async () => {
  const res = await sp.request.post(`${base}/api/v1/envelopes`, { data: { name: "forged" } });
  assert.equal(res.status(), 403);
  assert.equal((await res.json()).code, "csrf_rejected");
});

/** inviteLink waits for the invitation email to addr and returns its link. */
async function inviteLink(addr) {
  for (let i = 0; i < 150; i++) {
    for (const f of readdirSync(mailDir).filter((f) => f.endsWith(".eml"))) {
      const text = readFileSync(join(mailDir, f), "utf8").replace(/=\r?\n/g, "").replace(/\r?\n[ \t]+/g, " ");
      if (!new RegExp(`^To:.*${addr.replace(".", "\\.")}`, "mi").test(text)) continue;
      const m = text.match(/https?:\/\/[^\s"<>]*\/app\/invite\/(gsi_[A-Za-z0-9_-]+)/);
      if (m) return `${base}/app/invite/${m[1]}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no invitation email to ${addr}`);
}

await test("an owner invites a viewer from the settings, who accepts and sees no admin actions", async () => {
  await sp.goto(`${base}/app/settings/organization`);
  await sp.waitForSelector("[data-settings] [data-invite-form]");
  await sp.fill("[data-invite-form] input[name=email]", "vic@example.com");
  await sp.selectOption("[data-invite-form] select[name=role]", "viewer");
  await sp.click("[data-invite-form] button[type=submit]");
  await sp.waitForSelector("tr[data-invitation='vic@example.com']");
  await shot(sp, "settings-invited");
  await noXSS(sp);

  const link = await inviteLink("vic@example.com");
  const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const vp = await viewer.newPage();
  guard(vp);
  await vp.goto(link);
  await vp.waitForSelector("[data-invite=open]");
  assert.match(await vp.textContent("[data-invite=open]"), /as a viewer/);
  await vp.fill("input[name=name]", `Vic ${X}`);
  await vp.fill("input[name=password]", "correct horse battery");
  await vp.click("button[type=submit]");
  await vp.waitForSelector("text=Envelopes");
  await vp.goto(`${base}/app/settings/organization`);
  await vp.waitForSelector("tr[data-member='vic@example.com']");
  assert.equal(await vp.locator("[data-invite-form]").count(), 0, "a viewer is not offered invitations");
  assert.ok(await vp.locator("tr[data-member='olive@example.com'] select").isDisabled(), "a viewer cannot change roles");
  await shot(vp, "settings-as-viewer");
  await noXSS(vp);
  await vp.goto(link);
  await vp.waitForSelector("[data-invite=gone]");

  await sp.reload();
  await sp.waitForSelector("tr[data-member='vic@example.com']");
  await sp.selectOption("tr[data-member='vic@example.com'] select", "member");
  await sp.waitForSelector("tr[data-member='vic@example.com'] select option[value=member][selected]", { state: "attached" });
  await noXSS(sp);
  await viewer.close();
});

/** touchStroke draws a zigzag with real touch events through the DevTools
 * protocol, as a finger would. */
async function touchStroke(page, selector) {
  const box = await page.locator(selector).boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const pt = (i) => ({ x: box.x + 20 + i * ((box.width - 40) / 12), y: box.y + box.height / 2 + (i % 2 ? -20 : 20) });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [pt(0)] });
  for (let i = 1; i <= 12; i++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [pt(i)] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
}

/** totpCode is the RFC 6238 code of a base32 secret now, as an app shows it. */
function totpCode(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

/** resetLink waits for the password reset email to addr and returns its link. */
async function resetLink(addr) {
  for (let i = 0; i < 150; i++) {
    for (const f of readdirSync(mailDir).filter((f) => f.endsWith(".eml"))) {
      const text = readFileSync(join(mailDir, f), "utf8").replace(/=\r?\n/g, "").replace(/\r?\n[ \t]+/g, " ");
      if (!new RegExp(`^To:.*${addr.replace(".", "\\.")}`, "mi").test(text)) continue;
      const m = text.match(/https?:\/\/[^\s"<>]*\/app\/reset\/(gsp_[A-Za-z0-9_-]+)/);
      if (m) return `${base}/app/reset/${m[1]}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no reset email to ${addr}`);
}

/** signInWithRecoveryCode signs in from the login page, answering the
 * second step with a recovery code. */
async function signInWithRecoveryCode(p, email, password, code, screenshot) {
  await p.fill("input[name=email]", email);
  await p.fill("input[name=password]", password);
  await p.click("button[type=submit]");
  await p.waitForSelector("h1:text('Two-step verification')");
  await p.click("button:text('Use a recovery code instead')");
  await p.fill("input[name=code]", code);
  if (screenshot) await shot(p, screenshot);
  await answer(p, null);
}

/** answer submits the second step (with code typed in, unless null) and
 * waits for the dashboard, or throws the error the page shows. Over the
 * sign-in request limit (10 a minute per address, which this test's
 * sign-ins, sign-outs and resets reach), it waits as told and tries again. */
async function answer(p, code) {
  if (code !== null) await p.fill("input[name=code]", code);
  for (let attempt = 0; ; attempt++) {
    await p.click("button[type=submit]");
    await p.waitForSelector("h1:text('Envelopes'), p.error:visible");
    if (!(await p.locator("p.error:visible").count())) return;
    const msg = await p.textContent("p.error");
    const wait = msg.match(/sign-in requests from this address.*retry in (\d+) seconds/);
    if (!wait || attempt > 2) throw new Error(msg);
    await new Promise((r) => setTimeout(r, (Number(wait[1]) + 1) * 1000));
  }
}

await test("security: TOTP on, sign in with a recovery code, sessions, password reset", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  guard(p);
  const email = "sec@example.com";
  await register(p, email);
  await p.click("nav >> text=Security");
  await p.waitForSelector("#sessions td:text('this session')");
  await p.click("#totp button:text('Set up')");
  await p.waitForSelector("img.qr");
  const secret = (await p.textContent(".totp-secret")).trim();
  await p.fill("#totp input[name=code]", totpCode(secret));
  await p.click("#totp button[type=submit]");
  await p.waitForSelector(".recovery-codes li");
  const codes = await p.locator(".recovery-codes li").allTextContents();
  assert.equal(codes.length, 10);
  await shot(p, "security-recovery-codes");
  await p.click("#totp button:text('Done')");
  await p.waitForSelector(".totp-on:text('10 recovery codes left')");

  await p.click("nav button:text('Sign out')");
  await signInWithRecoveryCode(p, email, "correct horse battery", codes[0], "security-mfa");

  await p.goto(`${base}/app/settings/security`);
  await p.waitForSelector("#sessions tr[data-session] >> nth=1");
  await p.click("#sessions button:text('Sign out all other sessions')");
  await p.waitForFunction(() => document.querySelectorAll("#sessions tr[data-session]").length === 1);

  await p.click("nav button:text('Sign out')");
  await p.click("text=Forgot your password?");
  await p.fill("input[name=email]", email);
  await p.click("button[type=submit]");
  await p.waitForSelector("h1:text('Check your email')");
  await p.goto(await resetLink(email));
  await p.fill("input[name=password]", "a brand new password");
  await p.fill("input[name=again]", "a brand new password");
  await p.click("button[type=submit]");
  await p.waitForSelector("h1:text('Password changed')");
  await p.click("a:has-text('Sign in')");
  await assert.rejects(signInWithRecoveryCode(p, email, "a brand new password", codes[0]), /already used/);
  await answer(p, codes[1]);
  await shot(p, "security-after-reset");
  await ctx.close();
});
if (process.env.GSIGN_E2E_IDP) await ssoTests({ browser, base, test, register, shot, guard });

await browser.close();
const failed = results.filter((r) => r.error);
writeFileSync(join(shots, "results.json"), JSON.stringify(results.map((r) => ({ name: r.name, error: r.error?.message })), null, 2));
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
