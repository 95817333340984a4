// Sign-in and registration. The session lives in HttpOnly cookies that
// POST /api/v1/auth/session sets; no credential is ever kept in script.

import { errorBox, h, link, mount, navigate } from "./dom";
import { problemOf, request } from "./http";
import type { SessionStart } from "./types";

function form(title: string, fields: HTMLElement[], submit: string, onSubmit: (data: FormData) => Promise<void>, footer: HTMLElement): void {
  const err = errorBox();
  const button = h("button", { type: "submit", class: "primary" }, submit);
  const f = h("form", { class: "card narrow" }, h("h1", {}, title), ...fields, err.el, button, footer);
  handleSubmit(f, button, err, onSubmit);
  mount(f);
}

/** handleSubmit runs fn with the form's data when it is submitted, with
 * the button disabled meanwhile and a failure shown in err. */
export function handleSubmit(f: HTMLFormElement, button: HTMLButtonElement, err: ReturnType<typeof errorBox>, fn: (data: FormData) => Promise<void>): void {
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.clear();
    button.disabled = true;
    try {
      await fn(new FormData(f));
    } catch (x) {
      err.show(x);
    } finally {
      button.disabled = false;
    }
  });
}

function input(label: string, name: string, type = "text", extra: Record<string, string> = {}): HTMLElement {
  return h("label", {}, label, h("input", { name, type, required: true, ...extra }));
}

/** startSession signs in; for a user with TOTP on it returns the challenge
 * to answer with a code, and otherwise null once the cookies are set. */
async function startSession(email: string, password: string): Promise<string | null> {
  const res = await request<SessionStart>("POST", "/api/v1/auth/session", { email, password });
  return res.mfa_required ? res.mfa_token : null;
}

/** loginPage signs a sender in and goes back to where it was sent from. */
export function loginPage(next = "/app/"): void {
  form("Sign in to GSign", [input("Email", "email", "email", { autocomplete: "username" }),
    input("Password", "password", "password", { autocomplete: "current-password" })], "Sign in", async (d) => {
    const challenge = await startSession(String(d.get("email")), String(d.get("password")));
    if (challenge) return mfaPage(challenge, next);
    navigate(next);
  }, h("p", {}, link("/app/forgot", "Forgot your password?"), " · No account yet? ", link("/app/register", "Create one")));
  document.querySelector("form")?.append(ssoButton());
}

/** mfaPage is the sign-in's second step: a code from the authenticator
 * app, or one of the recovery codes. */
function mfaPage(challenge: string, next: string): void {
  const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", required: true });
  const label = h("label", {}, "Code from your authenticator app", code);
  let recovery = false;
  const toggle = h("button", { type: "button", class: "link" }, "Use a recovery code instead");
  toggle.addEventListener("click", () => {
    recovery = !recovery;
    label.firstChild!.textContent = recovery ? "Recovery code" : "Code from your authenticator app";
    code.removeAttribute("pattern");
    if (!recovery) code.setAttribute("pattern", "[0-9]{6}");
    toggle.textContent = recovery ? "Use a code from the app" : "Use a recovery code instead";
  });
  form("Two-step verification", [label], "Verify", async (d) => {
    const value = String(d.get("code")).trim();
    await request("POST", "/api/v1/auth/session/mfa", recovery ? { mfa_token: challenge, recovery_code: value } : { mfa_token: challenge, code: value });
    navigate(next);
  }, h("p", {}, toggle));
}

/** forgotPage asks for a password reset link. The answer is the same
 * whether or not an account has the email. */
export function forgotPage(): void {
  form("Reset your password", [input("Email", "email", "email", { autocomplete: "username" })], "Email me a link", async (d) => {
    const res = await request<{ message: string }>("POST", "/api/v1/auth/password-reset", { email: String(d.get("email")) });
    mount(h("div", { class: "card narrow" }, h("h1", {}, "Check your email"), h("p", { class: "notice" }, res.message), h("p", {}, link("/app/login", "Back to sign in"))));
  }, h("p", {}, link("/app/login", "Back to sign in")));
}

/** resetPage sets a new password with the token of a reset link. */
export function resetPage(token: string): void {
  form("Choose a new password", [input("New password", "password", "password", { autocomplete: "new-password", minlength: "10" }),
    input("Repeat it", "again", "password", { autocomplete: "new-password", minlength: "10" })], "Set password", async (d) => {
    if (d.get("password") !== d.get("again")) throw new Error("The two passwords differ.");
    await request("POST", `/api/v1/auth/password-reset/${encodeURIComponent(token)}`, { password: String(d.get("password")) });
    mount(h("div", { class: "card narrow" }, h("h1", {}, "Password changed"),
      h("p", { class: "notice" }, "You are signed out everywhere; sign in with the new password."), h("p", {}, link("/app/login", "Sign in"))));
  }, h("p", {}, link("/app/forgot", "Ask for a new link")));
}

/** ssoButton signs in at the provider of the email's organization. The
 * start is tried first without following its redirect, so that an email
 * without SSO shows a message here instead of a problem page. */
function ssoButton(): HTMLElement {
  const err = errorBox();
  const button = h("button", { type: "button", class: "secondary", "data-sso": "" }, "Sign in with SSO");
  button.addEventListener("click", async () => {
    err.clear();
    const email = (document.querySelector("input[name=email]") as HTMLInputElement).value.trim();
    if (!email) return err.show(new Error("Enter your email first."));
    const url = "/api/v1/sso/start?email=" + encodeURIComponent(email);
    const res = await fetch(url, { redirect: "manual", credentials: "same-origin" });
    if (res.type === "opaqueredirect") return void location.assign(url);
    err.show(await problemOf(res));
  });
  return h("div", {}, button, err.el);
}

/** registerPage creates a user and its organization, then signs in. */
export function registerPage(): void {
  form("Create your GSign account", [input("Your name", "name"), input("Organization", "organization"),
    input("Email", "email", "email", { autocomplete: "username" }),
    input("Password", "password", "password", { autocomplete: "new-password", minlength: "10" })], "Create account", async (d) => {
    const body = Object.fromEntries(["name", "organization", "email", "password"].map((k) => [k, String(d.get(k))]));
    await request("POST", "/api/v1/auth/register", body);
    await startSession(body.email, body.password); // a new account has no TOTP yet
    navigate("/app/");
  }, h("p", {}, "Have an account? ", link("/app/login", "Sign in")));
}

/** signOut clears the session cookies. */
export async function signOut(): Promise<void> {
  await request("DELETE", "/api/v1/auth/session");
  navigate("/app/login");
}
