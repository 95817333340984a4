// /app/settings/security: two-step verification (TOTP with recovery codes),
// the sessions signed in to this account, and the password.

import { errorBox, formatTime, h, mount, type Child } from "./dom";
import { request } from "./http";
import { nav } from "./dashboard";
import { handleSubmit } from "./account";
import type { SessionInfo, TOTPEnrollment, TOTPStatus } from "./types";

/** securityPage renders the three sections; each redraws itself. */
export async function securityPage(): Promise<void> {
  const totp = h("section", { class: "card wide", id: "totp" });
  const sessions = h("section", { class: "card wide", id: "sessions" });
  mount(nav(), totp, sessions, passwordSection());
  await Promise.all([drawTOTP(totp), drawSessions(sessions)]);
}

/** action runs fn from a button, showing its error next to the button. */
function action(label: string, fn: () => Promise<void>, cls = ""): HTMLElement {
  const err = errorBox();
  const b = h("button", { type: "button", class: cls }, label);
  b.addEventListener("click", async () => {
    err.clear();
    b.disabled = true;
    try {
      await fn();
    } catch (x) {
      err.show(x);
    } finally {
      b.disabled = false;
    }
  });
  return h("span", {}, b, err.el);
}

/** smallForm is a form whose submit runs fn with its data. */
function smallForm(fields: Child[], submit: string, fn: (d: FormData) => Promise<void>): HTMLFormElement {
  const err = errorBox();
  const button = h("button", { type: "submit", class: "primary" }, submit);
  const f = h("form", {}, ...fields, err.el, button);
  handleSubmit(f, button, err, fn);
  return f;
}

function field(label: string, name: string, type = "text", extra: Record<string, string> = {}): HTMLElement {
  return h("label", {}, label, h("input", { name, type, required: true, ...extra }));
}

async function drawTOTP(el: HTMLElement): Promise<void> {
  const st = await request<TOTPStatus>("GET", "/api/v1/auth/totp");
  el.replaceChildren(h("h2", {}, "Two-step verification"));
  if (!st.enabled) {
    el.append(h("p", {}, "Off. With it on, signing in also asks for a code from an authenticator app."),
      action("Set up", async () => enroll(el, await request<TOTPEnrollment>("POST", "/api/v1/auth/totp")), "primary"));
    return;
  }
  el.append(h("p", { class: "totp-on" }, `On. ${st.recovery_codes_left} recovery codes left.`),
    action("New recovery codes", async () => showCodes(el, (await request<{ recovery_codes: string[] }>("POST", "/api/v1/auth/totp/recovery-codes")).recovery_codes)),
    smallForm([field("Password, to turn it off", "password", "password", { autocomplete: "current-password" })], "Turn off", async (d) => {
      await request("DELETE", "/api/v1/auth/totp", { password: String(d.get("password")) });
      await drawTOTP(el);
    }));
}

/** enroll shows the QR code and secret, and turns TOTP on with a code. */
function enroll(el: HTMLElement, en: TOTPEnrollment): void {
  el.replaceChildren(h("h2", {}, "Set up two-step verification"),
    h("p", {}, "Scan this code with your authenticator app, or type the key in."),
    h("img", { src: en.qr_code, alt: "QR code of the TOTP secret", width: 200, height: 200, class: "qr" }),
    h("p", {}, "Key: ", h("code", { class: "totp-secret" }, en.secret)),
    smallForm([field("Code shown by the app", "code", "text", { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}" })], "Turn on", async (d) => {
      const res = await request<{ recovery_codes: string[] }>("POST", "/api/v1/auth/totp/confirm", { code: String(d.get("code")).trim() });
      showCodes(el, res.recovery_codes);
    }));
}

/** showCodes shows recovery codes once. */
function showCodes(el: HTMLElement, codes: string[]): void {
  el.replaceChildren(h("h2", {}, "Recovery codes"),
    h("p", {}, "Keep these somewhere safe. Each one signs you in once if you lose your authenticator app. They are not shown again."),
    h("ul", { class: "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
    action("Done", () => drawTOTP(el), "primary"));
}

async function drawSessions(el: HTMLElement): Promise<void> {
  const { sessions } = await request<{ sessions: SessionInfo[] }>("GET", "/api/v1/auth/sessions");
  const rows = sessions.map((s) => h("tr", { "data-session": s.id },
    h("td", {}, formatTime(s.created_at)), h("td", {}, formatTime(s.last_used_at)), h("td", {}, s.ip), h("td", {}, s.user_agent),
    h("td", {}, s.current ? "this session" : action("Sign out", async () => {
      await request("DELETE", `/api/v1/auth/sessions/${encodeURIComponent(s.id)}`);
      await drawSessions(el);
    }))));
  el.replaceChildren(h("h2", {}, "Sessions"),
    h("table", { class: "list sessions" }, h("tr", {}, ...["Signed in", "Last active", "Address", "Browser", ""].map((t) => h("th", {}, t))), ...rows),
    action("Sign out all other sessions", async () => {
      await request("POST", "/api/v1/auth/sessions/revoke-others");
      await drawSessions(el);
    }));
}

function passwordSection(): HTMLElement {
  const done = h("p", { class: "notice", hidden: true }, "Password changed; your other sessions are signed out.");
  const f = smallForm([field("Current password", "current_password", "password", { autocomplete: "current-password" }),
    field("New password", "new_password", "password", { autocomplete: "new-password", minlength: "10" })], "Change password", async (d) => {
    await request("POST", "/api/v1/auth/password", { current_password: String(d.get("current_password")), new_password: String(d.get("new_password")) });
    f.reset();
    done.hidden = false;
  });
  return h("section", { class: "card wide", id: "password" }, h("h2", {}, "Password"), f, done);
}
