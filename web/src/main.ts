// The GSign web app: one page that routes by its URL. /s/{token} is the
// signing page, /verify the public verifier, /app/… the sender's pages.

import "./style.css";
import { h, mount } from "./dom";
import { Problem } from "./http";
import { forgotPage, loginPage, registerPage, resetPage } from "./account";
import { securityPage } from "./security";
import { dashboardPage, newEnvelopePage } from "./dashboard";
import { editorPage } from "./editor";
import { envelopePage } from "./envelope";
import { invitePage } from "./invite";
import { settingsPage } from "./settings";
import { signingPage } from "./signer";
import { ssoSettingsPage } from "./sso";
import { verifyPage } from "./verify";

async function route(): Promise<void> {
  const path = location.pathname;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/s\/([^/]+)$/))) return signingPage(decodeURIComponent(m[1]));
  if (path === "/verify") return verifyPage();
  if (path === "/app/login") return loginPage();
  if (path === "/app/register") return registerPage();
  if ((m = path.match(/^\/app\/invite\/([^/]+)$/))) return invitePage(decodeURIComponent(m[1]));
  if (path === "/app/forgot") return forgotPage();
  if ((m = path.match(/^\/app\/reset\/([^/]+)$/))) return resetPage(decodeURIComponent(m[1]));
  try {
    if (path === "/app/new") return newEnvelopePage();
    if (path === "/app/settings/organization") return await settingsPage();
    if (path === "/app/settings/security") return await securityPage();
    if (path === "/app/settings/sso") return await ssoSettingsPage();
    if ((m = path.match(/^\/app\/envelopes\/([^/]+)\/edit$/))) return await editorPage(m[1]);
    if ((m = path.match(/^\/app\/envelopes\/([^/]+)$/))) return await envelopePage(m[1]);
    return await dashboardPage();
  } catch (e) {
    if (e instanceof Problem && e.status === 401) return loginPage(path);
    mount(h("div", { class: "card" }, h("h1", {}, "Something went wrong"), h("p", {}, e instanceof Error ? e.message : String(e))));
  }
}

window.addEventListener("popstate", () => void route());
void route();

// The service worker caches the app shell for the sender's pages; it is
// never registered from a signing page, and never caches documents.
if ("serviceWorker" in navigator && location.pathname.startsWith("/app/")) {
  void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => undefined);
}
