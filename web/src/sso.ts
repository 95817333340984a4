// Organization settings: single sign-on. Admins set the OpenID provider,
// claim email domains and verify each with a DNS TXT record.

import { errorBox, formatTime, h, link, mount } from "./dom";
import { Problem, request } from "./http";
import type { SSOConfig, SSODomain } from "./types";

const path = "/api/v1/organization/sso";

/** loadConfig returns the configuration, or null when there is none. */
async function loadConfig(): Promise<SSOConfig | null> {
  try {
    return await request<SSOConfig>("GET", path);
  } catch (e) {
    if (e instanceof Problem && e.code === "sso_not_configured") return null;
    throw e;
  }
}

function field(label: string, input: HTMLElement, hint = ""): HTMLElement {
  return h("label", {}, label, input, hint ? h("small", {}, hint) : null);
}

/** ssoSettingsPage is /app/settings/sso. */
export async function ssoSettingsPage(): Promise<void> {
  draw(await loadConfig());
}

function draw(cfg: SSOConfig | null): void {
  const err = errorBox();
  const issuer = h("input", { name: "issuer", type: "text", inputmode: "url", required: true, value: cfg?.issuer ?? "", placeholder: "https://login.example.com/realms/acme" });
  const clientID = h("input", { name: "client_id", required: true, value: cfg?.client_id ?? "" });
  const secret = h("input", { name: "client_secret", type: "password", autocomplete: "off",
    placeholder: cfg?.client_secret_set ? "stored — leave empty to keep it" : "" });
  const domains = h("textarea", { name: "domains", rows: 3, placeholder: "example.com" }, (cfg?.domains ?? []).map((d) => d.domain).join("\n"));
  const role = h("select", { name: "default_role" }, ...["member", "viewer"].map((r) => h("option", { value: r, selected: cfg?.default_role === r }, r)));
  const enforce = h("input", { name: "enforce", type: "checkbox", checked: cfg?.enforce ?? false });
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  const form = h("form", { class: "card", "data-sso-form": "" }, h("h1", {}, "Single sign-on"),
    h("p", {}, link("/app/", "← Back")),
    cfg ? h("p", { class: "hint" }, "Redirect URL to register at your provider: ", h("code", { "data-redirect-url": "" }, cfg.redirect_url)) : null,
    field("Issuer URL", issuer), field("Client ID", clientID), field("Client secret", secret, "Never shown again once saved."),
    field("Email domains, one per line", domains), field("Role of users created on first sign-in", role),
    h("label", {}, enforce, " Enforce: users of these domains cannot sign in with a password"),
    err.el, save);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.clear();
    save.disabled = true;
    const body: Record<string, unknown> = { issuer: issuer.value.trim(), client_id: clientID.value.trim(),
      domains: domains.value.split(/[\s,]+/).filter(Boolean), default_role: role.value, enforce: enforce.checked };
    if (secret.value !== "" || !cfg?.client_secret_set) body.client_secret = secret.value;
    try {
      draw(await request<SSOConfig>("PUT", path, body));
    } catch (x) {
      err.show(x);
    } finally {
      save.disabled = false;
    }
  });
  mount(form, cfg ? domainsCard(cfg.domains) : null, cfg ? removeCard() : null);
}

function domainsCard(list: SSODomain[]): HTMLElement {
  const err = errorBox();
  const rows = list.map((d) => {
    const verify = h("button", { type: "button", class: "secondary", "data-verify": d.domain }, d.verified ? "Check again" : "Verify");
    verify.addEventListener("click", async () => {
      err.clear();
      verify.disabled = true;
      try {
        await request("POST", `${path}/domains/${encodeURIComponent(d.domain)}/verify`);
        draw(await loadConfig());
      } catch (x) {
        err.show(x);
        verify.disabled = false;
      }
    });
    return h("tr", { "data-domain": d.domain }, h("td", {}, d.domain),
      h("td", {}, statusBadge(d)),
      h("td", {}, h("code", {}, d.txt_value)), h("td", {}, verify));
  });
  return h("div", { class: "card" }, h("h2", {}, "Domains"),
    h("p", { class: "hint" }, "Publish each TXT record at the domain, then verify it. Only verified domains admit anyone."),
    h("table", { class: "list" }, h("tbody", {}, ...rows)), err.el);
}

/** statusBadge says where the claim stands; one verified elsewhere is inert. */
function statusBadge(d: SSODomain): HTMLElement {
  if (d.status === "verified") return h("span", { class: "badge completed" }, `verified ${formatTime(d.verified_at)}`);
  if (d.status === "verified_by_another_organization") return h("span", { class: "badge", title: "This claim admits no one until that organization releases the domain." }, "verified by another organization");
  return h("span", { class: "badge" }, "not verified");
}

function removeCard(): HTMLElement {
  const err = errorBox();
  const remove = h("button", { type: "button", class: "secondary" }, "Remove single sign-on");
  remove.addEventListener("click", async () => {
    if (!confirm("Remove single sign-on? Users keep their accounts.")) return;
    try {
      await request("DELETE", path);
      draw(null);
    } catch (x) {
      err.show(x);
    }
  });
  return h("div", { class: "card" }, remove, err.el);
}
