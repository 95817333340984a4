// The sender's dashboard: envelopes newest first, filtered by status and
// searched by name and subject on the server, a page at a time.

import { errorBox, formatTime, h, link, mount, navigate } from "./dom";
import { request } from "./http";
import { signOut } from "./account";
import type { Envelope, EnvelopePage } from "./types";

const statuses = ["", "draft", "sent", "delivered", "completed", "declined", "voided", "expired"];

/** nav is the sender pages' header. */
export function nav(): HTMLElement {
  return h("nav", { class: "topnav" }, link("/app/", h("strong", {}, "GSign")), link("/app/new", "New envelope"),
    h("a", { href: "/verify" }, "Verify a PDF"), link("/app/settings/organization", "Organization"), link("/app/settings/security", "Security"), h("button", { type: "button", class: "link", onclick: () => void signOut() }, "Sign out"));
}

/** dashboardPage lists the sender's envelopes. */
export async function dashboardPage(): Promise<void> {
  const err = errorBox();
  const status = h("select", { name: "status", "aria-label": "Status" },
    ...statuses.map((s) => h("option", { value: s }, s || "any status")));
  const search = h("input", { type: "search", name: "q", placeholder: "Search name or subject", "aria-label": "Search" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  let items: Envelope[] = [];
  let cursor = "";

  const draw = () => {
    body.replaceChildren(...items.map((e) => h("tr", { "data-envelope": e.id },
      h("td", {}, link(`/app/envelopes/${e.id}`, e.name)),
      h("td", {}, e.subject),
      h("td", {}, h("span", { class: `badge ${e.status}` }, e.status)),
      h("td", {}, formatTime(e.updated_at)))));
    if (!items.length) body.append(h("tr", {}, h("td", { colspan: 4 }, status.value || search.value.trim() ? "No envelope matches." : "No envelopes yet.")));
  };
  const load = async (reset: boolean) => {
    err.clear();
    try {
      const qs = new URLSearchParams({ limit: "50" });
      if (status.value) qs.set("status", status.value);
      if (search.value.trim()) qs.set("q", search.value.trim());
      if (!reset && cursor) qs.set("cursor", cursor);
      const page = await request<EnvelopePage>("GET", `/api/v1/envelopes?${qs}`);
      items = reset ? page.items : items.concat(page.items);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      draw();
    } catch (e) {
      err.show(e);
      throw e;
    }
  };
  status.addEventListener("change", () => void load(true));
  let typing = 0;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = window.setTimeout(() => void load(true), 250);
  });
  more.addEventListener("click", () => void load(false));
  await load(true);
  mount(nav(), h("div", { class: "card wide" },
    h("div", { class: "row" }, h("h1", {}, "Envelopes"), h("button", { type: "button", class: "primary", onclick: () => navigate("/app/new") }, "New envelope")),
    h("div", { class: "filters" }, status, search), err.el,
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Subject"), h("th", {}, "Status"), h("th", {}, "Updated"))), body),
    more));
}

/** newEnvelopePage creates a draft and opens its editor. */
export function newEnvelopePage(): void {
  const err = errorBox();
  const f = h("form", { class: "card narrow" }, h("h1", {}, "New envelope"),
    h("label", {}, "Name", h("input", { name: "name", required: true, maxlength: 200 })),
    h("label", {}, "Email subject", h("input", { name: "subject", maxlength: 200 })),
    h("label", {}, "Message to recipients", h("textarea", { name: "message", rows: 3, maxlength: 2000 })),
    err.el, h("button", { type: "submit", class: "primary" }, "Create and add documents"));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = new FormData(f);
    try {
      const env = await request<Envelope>("POST", "/api/v1/envelopes",
        { name: String(d.get("name")), subject: String(d.get("subject")), message: String(d.get("message")) });
      navigate(`/app/envelopes/${env.id}/edit`);
    } catch (x) {
      err.show(x);
    }
  });
  mount(nav(), f);
}
