// One envelope for its sender: each recipient's progress, the audit
// timeline, void, and the downloads once completed.

import { errorBox, formatTime, h, link, mount } from "./dom";
import { request } from "./http";
import { ask } from "./modal";
import { nav } from "./dashboard";
import type { Audit, EnvelopeDetail, Recipient } from "./types";

const parts: [string, string][] = [["combined", "Signed PDF with certificate"], ["document", "Signed document"], ["certificate", "Certificate of completion"], ["evidence", "Evidence (JSON)"]];
const open = new Set(["sent", "delivered"]);

/** envelopePage shows an envelope and refreshes while it is in progress. */
export async function envelopePage(id: string): Promise<void> {
  const err = errorBox();
  const [env, audit] = await Promise.all([
    request<EnvelopeDetail>("GET", `/api/v1/envelopes/${id}`),
    request<Audit>("GET", `/api/v1/envelopes/${id}/audit`),
  ]);
  const base = `/api/v1/envelopes/${encodeURIComponent(id)}`;
  const actions = h("div", { class: "actions" });
  if (env.status === "draft") actions.append(link(`/app/envelopes/${id}/edit`, "Edit draft"));
  if (open.has(env.status)) {
    actions.append(h("button", { type: "button", class: "secondary", id: "void", onclick: async () => {
      const reason = await ask("Void this envelope", "Reason (recipients see it)", { multiline: true, submit: "Void" });
      if (reason === null) return;
      try {
        await request("POST", `${base}/void`, { reason });
        await envelopePage(id);
      } catch (e) {
        err.show(e);
      }
    } }, "Void"));
  }
  const downloads = env.status !== "completed" ? null : env.result_status !== "ready"
    ? h("p", { id: "result-pending" }, "The signed documents are being sealed…")
    : h("ul", { class: "downloads", id: "downloads" }, ...parts.map(([part, label]) =>
      h("li", {}, h("a", { href: `${base}/download?part=${part}`, download: "", "data-part": part }, label))));
  mount(nav(), h("div", { class: "card wide" },
    h("div", { class: "row" }, h("h1", {}, env.name), h("span", { class: `badge ${env.status}`, id: "envelope-status" }, env.status)),
    env.subject && h("p", { class: "subject" }, env.subject),
    env.void_reason && h("p", {}, "Voided: ", env.void_reason),
    actions, err.el, downloads,
    h("h2", {}, "Recipients"),
    h("table", { class: "list", id: "recipient-progress" }, h("thead", {}, h("tr", {}, h("th", {}, "Order"), h("th", {}, "Recipient"), h("th", {}, "Role"), h("th", {}, "Status"), h("th", {}, "When"), h("th", {}))),
      h("tbody", {}, ...env.recipients.map((r) => h("tr", { "data-recipient": r.id },
        h("td", {}, r.routing_order), h("td", {}, r.name, h("br"), h("small", {}, r.email)), h("td", {}, r.role),
        h("td", {}, h("span", { class: `badge ${r.status}` }, r.status), r.decline_reason && h("small", {}, " ", r.decline_reason)),
        h("td", {}, formatTime(r.completed_at ?? r.declined_at ?? r.delivered_at ?? r.sent_at)),
        h("td", {}, open.has(env.status) && resendable(r) && resendButton(base, r, err)))))),
    h("h2", {}, "Audit trail ", h("small", {}, audit.verified ? "(hash chain verified)" : "(hash chain does NOT verify)")),
    h("ol", { class: "timeline", id: "timeline" }, ...audit.events.map((e) => h("li", {},
      h("time", {}, formatTime(e.occurred_at)), " ", h("strong", {}, e.type), " ",
      e.actor.email || e.actor.type, e.actor.ip && h("small", {}, ` from ${e.actor.ip}`))))));
  if (open.has(env.status) || (env.status === "completed" && env.result_status !== "ready")) watch(id, progress(env));
}

/** progress is what the page shows that changes while an envelope is out. */
const progress = (e: EnvelopeDetail) => JSON.stringify([e.status, e.result_status, e.recipients.map((r) => r.status)]);

/** watch redraws the page once the envelope changes, while it is shown. */
function watch(id: string, version: string): void {
  setTimeout(async () => {
    if (location.pathname !== `/app/envelopes/${id}`) return;
    const env = await request<EnvelopeDetail>("GET", `/api/v1/envelopes/${id}`).catch(() => null);
    if (env && progress(env) !== version) await envelopePage(id).catch(() => undefined);
    else watch(id, version);
  }, 3000);
}

/** resendable: the recipient has been asked to act and has not yet, and
 * GSign emails it (embedded recipients get links from the sender's app). */
const resendable = (r: Recipient) => (r.status === "sent" || r.status === "delivered") && !r.embedded && r.role !== "cc";

/** resendButton sends the recipient a fresh sign request. */
function resendButton(base: string, r: Recipient, err: ReturnType<typeof errorBox>): HTMLElement {
  const b = h("button", { type: "button", class: "secondary resend", "data-resend": r.id, "aria-label": `Resend to ${r.name}` }, "Resend");
  b.addEventListener("click", async () => {
    err.clear();
    b.disabled = true;
    try {
      await request("POST", `${base}/recipients/${encodeURIComponent(r.id)}/resend`, {});
      b.textContent = "Sent again";
    } catch (e) {
      err.show(e);
      b.disabled = false;
    }
  });
  return b;
}
