// The invitation page behind an emailed link, /app/invite/{token}: who
// invites you where, and a form that creates your account and signs in.

import { errorBox, formatTime, h, mount, navigate } from "./dom";
import { Problem, request } from "./http";
import type { InvitationView } from "./types";

const article: Record<string, string> = { owner: "an owner", admin: "an admin", member: "a member", viewer: "a viewer" };

/** invitePage shows an invitation and accepts it. */
export async function invitePage(token: string): Promise<void> {
  const path = `/api/v1/invitations/${encodeURIComponent(token)}`;
  let inv: InvitationView;
  try {
    inv = await request<InvitationView>("GET", path);
  } catch (e) {
    const gone = e instanceof Problem && (e.status === 410 || e.status === 404);
    mount(h("div", { class: "card narrow", "data-invite": "gone" }, h("h1", {}, "Invitation"),
      h("p", {}, gone ? "This invitation link has been used, was withdrawn or has expired. Ask for a new one." : String(e))));
    return;
  }
  const err = errorBox();
  const button = h("button", { type: "submit", class: "primary" }, "Join");
  const f = h("form", { class: "card narrow", "data-invite": "open" },
    h("h1", {}, `Join ${inv.organization.name}`),
    h("p", {}, `${inv.inviter_name} (${inv.inviter_email}) invited ${inv.email} to join as ${article[inv.role] ?? inv.role}.`),
    h("p", { class: "muted" }, `The link works until ${formatTime(inv.expires_at)}.`),
    h("label", {}, "Your name", h("input", { name: "name", required: true, maxlength: 200, autocomplete: "name" })),
    h("label", {}, "Choose a password", h("input", { name: "password", type: "password", required: true, minlength: 10, autocomplete: "new-password" })),
    err.el, button);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.clear();
    button.disabled = true;
    const d = new FormData(f);
    const password = String(d.get("password"));
    try {
      await request("POST", `${path}/accept`, { name: String(d.get("name")), password });
      await request("POST", "/api/v1/auth/session", { email: inv.email, password });
      navigate("/app/");
    } catch (x) {
      err.show(x);
    } finally {
      button.disabled = false;
    }
  });
  mount(f);
}
