// Sign-in and registration. The session lives in HttpOnly cookies that
// POST /api/v1/auth/session sets; no credential is ever kept in script.

import { errorBox, h, link, mount, navigate } from "./dom";
import { problemOf, request } from "./http";

function form(title: string, fields: HTMLElement[], submit: string, onSubmit: (data: FormData) => Promise<void>, footer: HTMLElement): void {
  const err = errorBox();
  const button = h("button", { type: "submit", class: "primary" }, submit);
  const f = h("form", { class: "card narrow" }, h("h1", {}, title), ...fields, err.el, button, footer);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.clear();
    button.disabled = true;
    try {
      await onSubmit(new FormData(f));
    } catch (x) {
      err.show(x);
    } finally {
      button.disabled = false;
    }
  });
  mount(f);
}

function input(label: string, name: string, type = "text", extra: Record<string, string> = {}): HTMLElement {
  return h("label", {}, label, h("input", { name, type, required: true, ...extra }));
}

async function startSession(email: string, password: string): Promise<void> {
  await request("POST", "/api/v1/auth/session", { email, password });
}

/** loginPage signs a sender in and goes back to where it was sent from. */
export function loginPage(next = "/app/"): void {
  form("Sign in to GSign", [input("Email", "email", "email", { autocomplete: "username" }),
    input("Password", "password", "password", { autocomplete: "current-password" })], "Sign in", async (d) => {
    await startSession(String(d.get("email")), String(d.get("password")));
    navigate(next);
  }, h("p", {}, "No account yet? ", link("/app/register", "Create one")));
  document.querySelector("form")?.append(ssoButton());
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
    await startSession(body.email, body.password);
    navigate("/app/");
  }, h("p", {}, "Have an account? ", link("/app/login", "Sign in")));
}

/** signOut clears the session cookies. */
export async function signOut(): Promise<void> {
  await request("DELETE", "/api/v1/auth/session");
  navigate("/app/login");
}
