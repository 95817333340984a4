// The organization's settings, /app/settings/organization: its name, its
// members and their roles, invitations, and teams. Actions the caller's
// role may not take are not shown; the server refuses them anyway.

import { errorBox, formatTime, h, link, mount, type Child } from "./dom";
import { request } from "./http";
import { nav } from "./dashboard";
import { ask } from "./modal";
import type { Invitation, Me, Member, Team } from "./types";

const roles = ["owner", "admin", "member", "viewer"];

interface State { me: Me; members: Member[]; teams: Team[]; invitations: Invitation[] }

/** settingsPage shows the organization's settings. */
export async function settingsPage(): Promise<void> {
  const err = errorBox();
  const body = h("div");
  const sso = h("p");
  const redraw = async () => {
    const s = await load();
    sso.replaceChildren(...(can(s.me, "organization.settings") ? [link("/app/settings/sso", "Single sign-on (OpenID Connect) settings")] : []));
    body.replaceChildren(...sections(s, act));
  };
  // act runs a change, shows its error if any, and redraws.
  const act = async (fn: () => Promise<unknown>) => {
    err.clear();
    try {
      await fn();
      await redraw();
    } catch (e) {
      err.show(e);
    }
  };
  await redraw();
  mount(nav(), h("div", { class: "card wide", "data-settings": "organization" }, h("h1", {}, "Organization settings"), sso, err.el, body));
}

async function load(): Promise<State> {
  const me = await request<Me>("GET", "/api/v1/me"); // renews an expired session once
  const [members, teams] = await Promise.all([
    request<{ items: Member[] }>("GET", "/api/v1/organization/members"),
    request<{ items: Team[] }>("GET", "/api/v1/teams"),
  ]);
  const invitations = can(me, "members.manage")
    ? (await request<{ items: Invitation[] }>("GET", "/api/v1/organization/invitations")).items : [];
  return { me, members: members.items, teams: teams.items, invitations };
}

function can(me: Me, perm: string): boolean {
  return me.permissions.includes(perm);
}

type Act = (fn: () => Promise<unknown>) => Promise<void>;

function sections(s: State, act: Act): HTMLElement[] {
  const out = [organizationSection(s, act), membersSection(s, act)];
  if (can(s.me, "members.manage")) out.push(invitationsSection(s, act));
  out.push(teamsSection(s, act));
  return out;
}

function organizationSection(s: State, act: Act): HTMLElement {
  const rename = can(s.me, "organization.settings") && h("button", {
    type: "button", class: "secondary", onclick: () => void act(async () => {
      const name = await ask("Rename the organization", "Name", { submit: "Rename" });
      if (name) await request("PATCH", "/api/v1/organization", { name });
    }),
  }, "Rename");
  return h("section", {}, h("div", { class: "row" }, h("h2", { "data-org-name": "" }, s.me.organization.name), rename || null),
    h("p", { class: "muted" }, `You are ${s.me.user.email}, ${s.me.role}.`));
}

// roleChoices are the roles the caller may give someone who has role now:
// only owners give or take owner and admin.
function roleChoices(me: Me, now: string): string[] {
  if (can(me, "ownership")) return roles;
  return now === "owner" || now === "admin" ? [now] : ["member", "viewer"];
}

function membersSection(s: State, act: Act): HTMLElement {
  const manage = can(s.me, "members.manage");
  const teamName = (id: string) => s.teams.find((t) => t.id === id)?.name ?? id;
  const rows = s.members.map((m) => {
    const choices = manage ? roleChoices(s.me, m.role) : [m.role];
    const select = h("select", { "aria-label": `Role of ${m.email}`, disabled: choices.length < 2 },
      ...choices.map((r) => h("option", { value: r, selected: r === m.role }, r)));
    select.addEventListener("change", () => void act(() =>
      request("PATCH", `/api/v1/organization/members/${m.id}`, { role: select.value })));
    const remove = manage && choices.length > 1 && m.id !== s.me.user.id && h("button", {
      type: "button", class: "secondary", onclick: () => {
        if (confirm(`Remove ${m.email}? Their envelopes stay in the organization.`)) {
          void act(() => request("DELETE", `/api/v1/organization/members/${m.id}`));
        }
      },
    }, "Remove");
    return h("tr", { "data-member": m.email }, h("td", {}, m.name), h("td", {}, m.email), h("td", {}, select),
      h("td", {}, m.team_ids.map(teamName).join(", ")), h("td", {}, remove || null));
  });
  return h("section", {}, h("h2", {}, "Members"), table(["Name", "Email", "Role", "Teams", ""], rows));
}

function invitationsSection(s: State, act: Act): HTMLElement {
  const roleSelect = h("select", { name: "role", "aria-label": "Role" },
    ...roleChoices(s.me, "member").map((r) => h("option", { value: r, selected: r === "member" }, r)));
  const teamBoxes = s.teams.map((t) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "team_ids", value: t.id }), t.name));
  const f = h("form", { class: "row", "data-invite-form": "" },
    h("input", { name: "email", type: "email", required: true, placeholder: "Email", "aria-label": "Email" }),
    roleSelect, ...teamBoxes, h("button", { type: "submit", class: "primary" }, "Send invitation"));
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(f);
    void act(() => request("POST", "/api/v1/organization/invitations",
      { email: String(d.get("email")), role: String(d.get("role")), team_ids: d.getAll("team_ids").map(String) }));
  });
  const pending = s.invitations.filter((i) => i.status === "pending" || i.status === "expired");
  const rows = pending.map((i) => h("tr", { "data-invitation": i.email },
    h("td", {}, i.email), h("td", {}, i.role), h("td", {}, i.status), h("td", {}, formatTime(i.expires_at)),
    h("td", {},
      h("button", { type: "button", class: "secondary", onclick: () => void act(() => request("POST", `/api/v1/organization/invitations/${i.id}/resend`)) }, "Resend"),
      i.status === "pending" && h("button", { type: "button", class: "secondary", onclick: () => void act(() => request("DELETE", `/api/v1/organization/invitations/${i.id}`)) }, "Revoke"))));
  return h("section", {}, h("h2", {}, "Invitations"), f, table(["Email", "Role", "Status", "Expires", ""], rows));
}

function teamsSection(s: State, act: Act): HTMLElement {
  const manage = can(s.me, "teams.manage");
  const nameOf = (id: string) => s.members.find((m) => m.id === id)?.email ?? id;
  const rows = s.teams.map((t) => {
    const outside = s.members.filter((m) => !t.member_ids.includes(m.id));
    const add = h("select", { "aria-label": `Add to ${t.name}` }, h("option", { value: "" }, "Add member…"),
      ...outside.map((m) => h("option", { value: m.id }, m.email)));
    add.addEventListener("change", () => add.value && void act(() => request("POST", `/api/v1/teams/${t.id}/members`, { user_id: add.value })));
    const members: Child[] = t.member_ids.map((id) => h("span", { class: "chip" }, nameOf(id), manage && h("button", {
      type: "button", class: "link", "aria-label": `Remove ${nameOf(id)} from ${t.name}`,
      onclick: () => void act(() => request("DELETE", `/api/v1/teams/${t.id}/members/${id}`)),
    }, "×")));
    return h("tr", { "data-team": t.name }, h("td", {}, t.name), h("td", {}, ...members), h("td", {}, manage && add,
      manage && h("button", { type: "button", class: "secondary", onclick: () => {
        if (confirm(`Delete the team ${t.name}? Its envelopes stay in the organization.`)) void act(() => request("DELETE", `/api/v1/teams/${t.id}`));
      } }, "Delete")));
  });
  const create = manage && h("button", { type: "button", class: "secondary", onclick: () => void act(async () => {
    const name = await ask("New team", "Name", { submit: "Create" });
    if (name) await request("POST", "/api/v1/teams", { name });
  }) }, "New team");
  return h("section", {}, h("div", { class: "row" }, h("h2", {}, "Teams"), create || null), table(["Team", "Members", ""], rows));
}

function table(headings: string[], rows: HTMLElement[]): HTMLElement {
  return h("table", { class: "list" }, h("thead", {}, h("tr", {}, ...headings.map((x) => h("th", {}, x)))),
    h("tbody", {}, ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: headings.length }, "None."))])));
}
