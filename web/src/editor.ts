// The draft editor: upload PDFs, list recipients (drag to reorder; equal
// routing order = parallel), drag fields onto the rendered pages, move,
// resize and assign them, then send. Every change is saved through the API
// as it happens (the page shows it at once, and the saves run one after
// another in the order they were made), so a reload shows the same draft.

import { errorBox, h, mount, navigate } from "./dom";
import { request } from "./http";
import { nav } from "./dashboard";
import { openPDF, placeBox, renderDocument, type DocumentView, type PageView } from "./pdfview";
import type { Doc, EnvelopeDetail, Field, Recipient } from "./types";

interface DraftRecipient { key: number; name: string; email: string; role: string; routing_order: number; auth?: string; id?: string; gone?: boolean }
interface DraftField { key: number; type: string; recipient: number; doc: Doc; page: number; x: number; y: number; width: number; height: number; required: boolean; el?: HTMLElement; id?: string }

const fieldTypes: [string, string, number, number][] = [
  ["signature", "Signature", 160, 44], ["initials", "Initials", 60, 36], ["date_signed", "Date signed", 110, 20],
  ["name", "Name", 150, 20], ["email", "Email", 180, 20], ["text", "Text", 150, 20], ["checkbox", "Checkbox", 16, 16],
];
const roles = ["signer", "approver", "cc", "viewer"];
const authMethods: [string, string][] = [["none", "Link only"], ["access_code", "Access code"], ["email_otp", "Email code"], ["sms_otp", "SMS code"], ["idv", "ID verification"]];
const colors = 6;

class Editor {
  env!: EnvelopeDetail;
  recipients: DraftRecipient[] = [];
  fields: DraftField[] = [];
  seq = 1;
  selected: DraftField | null = null;
  armed: string | null = null;
  views: DocumentView[] = [];
  err = errorBox();
  recipientList = h("ol", { class: "recipients", id: "recipients" });
  assignee = h("select", { id: "assignee", "aria-label": "Fields are for" });
  inspector = h("div", { class: "inspector", id: "inspector" });
  docs = h("div", { class: "docs" });
  saving: Promise<unknown> = Promise.resolve();
  pending = 0;

  constructor(public id: string) {}

  get base() { return `/api/v1/envelopes/${encodeURIComponent(this.id)}`; }

  /** save queues an API call after the earlier ones, so the server sees the
   * edits in the order they were made (a field's create before its move);
   * a failure is shown and undone by the caller's onError. */
  save(fn: () => Promise<unknown>, onError?: () => void): Promise<unknown> {
    this.pending++;
    this.showSaving();
    this.saving = this.saving.then(fn).catch((e) => {
      this.err.show(e);
      onError?.();
    }).finally(() => {
      this.pending--;
      this.showSaving();
    });
    return this.saving;
  }

  /** showSaving marks the editor while saves are on their way, for the
   * sender (and for tests, which wait for it before reloading). */
  showSaving() {
    const el = document.querySelector<HTMLElement>(".editor");
    if (!el) return;
    if (this.pending) el.dataset.saving = String(this.pending);
    else delete el.dataset.saving;
  }

  /** recipientID is the server's id of a recipient's local key, once created. */
  recipientID(key: number): string | undefined {
    return this.recipients.find((r) => r.key === key)?.id;
  }

  async start() {
    this.env = await request<EnvelopeDetail>("GET", `/api/v1/envelopes/${this.id}`);
    if (this.env.status !== "draft") return navigate(`/app/envelopes/${this.id}`);
    for (const r of this.env.recipients) this.recipients.push({ ...r, key: this.seq++ });
    const upload = h("input", { type: "file", accept: "application/pdf", multiple: true, id: "upload", "aria-label": "Add PDF documents" });
    upload.addEventListener("change", () => void this.upload(upload));
    const palette = h("div", { class: "palette", id: "palette" }, ...fieldTypes.map(([t, label]) =>
      h("div", { class: "tool", draggable: "true", "data-type": t, role: "button", tabindex: 0,
        ondragstart: ((e: DragEvent) => e.dataTransfer!.setData("text/x-gsign-field", t)) as EventListener,
        onclick: () => this.arm(t) }, label)));
    mount(nav(), h("div", { class: "editor" },
      h("aside", { class: "side" },
        h("h1", {}, this.env.name),
        h("h2", {}, "1. Documents"), h("label", { class: "upload" }, "Add PDFs", upload),
        h("h2", {}, "2. Recipients"), h("p", { class: "hint" }, "Drag to reorder. Recipients with the same number sign at the same time."),
        this.recipientList, this.recipientForm(),
        h("h2", {}, "3. Fields"), h("label", {}, "For", this.assignee),
        h("p", { class: "hint" }, "Drag a field onto a page, or tap it and then the page."), palette, this.inspector,
        this.err.el,
        h("button", { type: "button", class: "primary", id: "send", onclick: () => void this.send() }, "Send")),
      this.docs));
    this.drawRecipients();
    for (const d of this.env.documents) await this.showDocument(d);
  }

  recipientForm(): HTMLElement {
    const f = h("form", { class: "add-recipient", id: "add-recipient" },
      h("input", { name: "name", placeholder: "Name", required: true, "aria-label": "Recipient name" }),
      h("input", { name: "email", type: "email", placeholder: "Email", required: true, "aria-label": "Recipient email" }),
      h("select", { name: "role", "aria-label": "Role" }, ...roles.map((r) => h("option", { value: r }, r))),
      h("select", { name: "auth", id: "recipient-auth", "aria-label": "Authentication" }, ...authMethods.map(([v, l]) => h("option", { value: v }, l))),
      h("input", { name: "access_code", id: "recipient-access-code", placeholder: "Access code (4–32)", "aria-label": "Access code", autocomplete: "off" }),
      h("input", { name: "phone", type: "tel", placeholder: "Phone (+1555…)", "aria-label": "Recipient phone" }),
      h("button", { type: "submit" }, "Add recipient"));
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = new FormData(f);
      const order = Math.max(0, ...this.recipients.map((r) => r.routing_order)) + 1;
      const r: DraftRecipient = { key: this.seq++, name: String(d.get("name")), email: String(d.get("email")), role: String(d.get("role")), routing_order: order, auth: String(d.get("auth")) };
      this.recipients.push(r);
      f.reset();
      this.drawRecipients();
      // The access code goes to the server only; it is never shown again.
      const body = { name: r.name, email: r.email, role: r.role, routing_order: r.routing_order, auth: r.auth,
        access_code: String(d.get("access_code") ?? "") || undefined, phone: String(d.get("phone") ?? "") || undefined };
      void this.save(async () => { r.id = (await request<Recipient>("POST", `${this.base}/recipients`, body)).id; },
        () => this.forgetRecipient(r));
    });
    return f;
  }

  drawRecipients() {
    this.recipientList.replaceChildren(...this.recipients.map((r, i) => {
      const order = h("input", { type: "number", min: 1, max: 100, value: r.routing_order, class: "order", "aria-label": `Routing order of ${r.name}` });
      order.addEventListener("change", () => {
        r.routing_order = Math.max(1, Number(order.value) || 1);
        this.saveOrder(r);
      });
      const li = h("li", { draggable: "true", "data-recipient": r.key, class: `color-${r.key % colors}` },
        order, h("span", { class: "who" }, h("strong", {}, r.name), " ", r.email), h("span", { class: "role", "data-auth": r.auth ?? "none" }, r.role,
          r.auth && r.auth !== "none" ? ` · ${authMethods.find(([v]) => v === r.auth)?.[1] ?? r.auth}` : ""),
        h("button", { type: "button", class: "link", "aria-label": `Remove ${r.name}`, onclick: () => this.removeRecipient(r) }, "×"));
      li.addEventListener("dragstart", (e) => e.dataTransfer!.setData("text/x-gsign-recipient", String(i)));
      li.addEventListener("dragover", (e) => { if (e.dataTransfer!.types.includes("text/x-gsign-recipient")) e.preventDefault(); });
      li.addEventListener("drop", (e) => {
        e.preventDefault();
        this.moveRecipient(Number(e.dataTransfer!.getData("text/x-gsign-recipient")), i);
      });
      return li;
    }));
    const current = this.assignee.value;
    this.assignee.replaceChildren(...this.recipients.filter((r) => r.role === "signer" || r.role === "approver")
      .map((r) => h("option", { value: r.key }, `${r.name} <${r.email}>`)));
    if (current) this.assignee.value = current;
    this.drawInspector();
  }

  /** moveRecipient reorders by drag and numbers everyone 1, 2, 3… in the
   * new order; parallel groups are made by editing the numbers. */
  moveRecipient(from: number, to: number) {
    if (from === to || !this.recipients[from]) return;
    const [r] = this.recipients.splice(from, 1);
    this.recipients.splice(to, 0, r);
    this.recipients.forEach((r, i) => {
      if (r.routing_order === i + 1) return;
      r.routing_order = i + 1;
      this.saveOrder(r);
    });
    this.drawRecipients();
  }

  saveOrder(r: DraftRecipient) {
    const order = r.routing_order;
    void this.save(async () => {
      if (r.id && !r.gone) await request("PATCH", `${this.base}/recipients/${r.id}`, { routing_order: order });
    });
  }

  /** removeRecipient deletes a recipient; the server deletes its fields. */
  removeRecipient(r: DraftRecipient) {
    this.forgetRecipient(r);
    void this.save(async () => { if (r.id) await request("DELETE", `${this.base}/recipients/${r.id}`); });
  }

  forgetRecipient(r: DraftRecipient) {
    r.gone = true;
    this.recipients = this.recipients.filter((x) => x !== r);
    for (const f of this.fields.filter((f) => f.recipient === r.key)) this.forgetField(f);
    this.drawRecipients();
  }

  async upload(input: HTMLInputElement) {
    this.err.clear();
    for (const file of Array.from(input.files ?? [])) {
      const body = new FormData();
      body.append("file", file, file.name);
      try {
        const doc = await request<Doc>("POST", `/api/v1/envelopes/${this.id}/documents`, body);
        this.env.documents.push(doc);
        await this.showDocument(doc);
      } catch (e) {
        this.err.show(e);
      }
    }
    input.value = "";
  }

  async showDocument(doc: Doc) {
    const pdf = await openPDF(`/api/v1/envelopes/${this.id}/documents/${doc.id}`);
    const v = renderDocument(pdf, doc);
    this.views.push(v);
    this.docs.append(v.el);
    for (const p of v.pages) this.acceptDrops(p);
    for (const f of this.env.fields.filter((f) => f.document_id === doc.id)) this.placeExisting(f, v);
  }

  /** placeExisting shows a saved field, editable like a new one. */
  placeExisting(sf: Field, v: DocumentView) {
    const r = this.recipients.find((r) => r.id === sf.recipient_id);
    const p = v.pages[sf.page - 1];
    if (!r || !p) return;
    const f: DraftField = { key: this.seq++, id: sf.id, type: sf.type, recipient: r.key, doc: p.doc, page: sf.page,
      x: sf.x, y: sf.y, width: sf.width, height: sf.height, required: sf.required };
    this.fields.push(f);
    this.drawField(f, p);
  }

  /** arm picks a field type to place with the next tap on a page: the
   * way to place fields where dragging is not available (touch screens). */
  arm(type: string | null) {
    this.armed = this.armed === type ? null : type;
    for (const t of document.querySelectorAll<HTMLElement>(".tool")) t.classList.toggle("armed", t.dataset.type === this.armed);
  }

  acceptDrops(p: PageView) {
    p.overlay.addEventListener("dragover", (e) => { if (e.dataTransfer!.types.includes("text/x-gsign-field")) e.preventDefault(); });
    p.overlay.addEventListener("drop", (e) => {
      e.preventDefault();
      this.place(p, e.dataTransfer!.getData("text/x-gsign-field"), e.clientX, e.clientY);
    });
    p.overlay.addEventListener("click", (e) => {
      if (!this.armed || e.target !== p.overlay) return;
      this.place(p, this.armed, e.clientX, e.clientY);
      this.arm(null);
    });
  }

  place(p: PageView, type: string, clientX: number, clientY: number) {
    const spec = fieldTypes.find(([t]) => t === type);
    const recipient = Number(this.assignee.value);
    if (!spec) return;
    if (!recipient) return this.err.show("Add a signer first, then place fields for them.");
    const size = p.doc.page_sizes[p.page - 1];
    const at = this.toPoints(p, clientX, clientY);
    const f: DraftField = { key: this.seq++, type, recipient, doc: p.doc, page: p.page, required: type !== "checkbox",
      width: spec[2], height: spec[3], x: clamp(at.x - spec[2] / 2, 0, size.width - spec[2]), y: clamp(at.y - spec[3] / 2, 0, size.height - spec[3]) };
    this.fields.push(f);
    this.drawField(f, p);
    this.select(f);
    void this.save(async () => {
      const body = { document_id: f.doc.id, recipient_id: this.recipientID(f.recipient), type: f.type, page: f.page,
        x: round(f.x), y: round(f.y), width: round(f.width), height: round(f.height), required: f.required };
      f.id = (await request<Field>("POST", `${this.base}/fields`, body)).id;
    }, () => this.forgetField(f));
  }

  /** saveField PATCHes what changed of a field (its box, assignee or
   * required flag), once the field exists on the server. */
  saveField(f: DraftField, change: () => Record<string, unknown>) {
    void this.save(async () => {
      if (f.id && this.fields.includes(f)) await request("PATCH", `${this.base}/fields/${f.id}`, change());
    });
  }

  saveBox(f: DraftField) {
    this.saveField(f, () => ({ x: round(f.x), y: round(f.y), width: round(f.width), height: round(f.height) }));
  }

  toPoints(p: PageView, clientX: number, clientY: number) {
    const rect = p.overlay.getBoundingClientRect();
    const size = p.doc.page_sizes[p.page - 1];
    return { x: ((clientX - rect.left) / rect.width) * size.width, y: ((clientY - rect.top) / rect.height) * size.height, scale: size.width / rect.width };
  }

  drawField(f: DraftField, p: PageView) {
    const handle = h("span", { class: "resize", "aria-hidden": "true" });
    const box = h("div", { class: `placed color-${f.recipient % colors}`, tabindex: 0, "data-field": f.key, "data-type": f.type },
      fieldTypes.find(([t]) => t === f.type)?.[1] ?? f.type, handle);
    f.el = box;
    const size = p.doc.page_sizes[p.page - 1];
    const place = () => placeBox(box, size, f);
    place();
    p.overlay.append(box);
    box.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 10 : 1;
      const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (e.key === "Delete" || e.key === "Backspace") return this.removeField(f);
      const m = moves[e.key];
      if (!m) return;
      e.preventDefault();
      f.x = clamp(f.x + m[0], 0, size.width - f.width);
      f.y = clamp(f.y + m[1], 0, size.height - f.height);
      place();
      this.saveBox(f);
    });
    box.addEventListener("focus", () => this.select(f));
    box.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      this.select(f);
      const start = this.toPoints(p, e.clientX, e.clientY);
      const orig = { ...f };
      const resizing = e.target === handle;
      box.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent) => {
        const at = this.toPoints(p, m.clientX, m.clientY);
        const dx = at.x - start.x, dy = at.y - start.y;
        if (resizing) {
          f.width = clamp(orig.width + dx, 8, size.width - f.x);
          f.height = clamp(orig.height + dy, 8, size.height - f.y);
        } else {
          f.x = clamp(orig.x + dx, 0, size.width - f.width);
          f.y = clamp(orig.y + dy, 0, size.height - f.height);
        }
        place();
      };
      const up = () => {
        box.removeEventListener("pointermove", move);
        box.removeEventListener("pointerup", up);
        if (f.x !== orig.x || f.y !== orig.y || f.width !== orig.width || f.height !== orig.height) this.saveBox(f);
      };
      box.addEventListener("pointermove", move);
      box.addEventListener("pointerup", up);
    });
  }

  select(f: DraftField | null) {
    this.selected?.el?.classList.remove("selected");
    this.selected = f;
    f?.el?.classList.add("selected");
    this.drawInspector();
  }

  drawInspector() {
    const f = this.selected;
    if (!f) return this.inspector.replaceChildren();
    const who = h("select", { "aria-label": "Assigned to", id: "field-recipient" }, ...this.recipients
      .filter((r) => r.role === "signer" || r.role === "approver").map((r) => h("option", { value: r.key, selected: r.key === f.recipient }, r.name)));
    who.addEventListener("change", () => {
      f.el?.classList.remove(`color-${f.recipient % colors}`);
      f.recipient = Number(who.value);
      f.el?.classList.add(`color-${f.recipient % colors}`);
      const key = f.recipient;
      this.saveField(f, () => ({ recipient_id: this.recipientID(key) }));
    });
    const req = h("input", { type: "checkbox", checked: f.required });
    req.addEventListener("change", () => {
      f.required = req.checked;
      const required = f.required;
      this.saveField(f, () => ({ required }));
    });
    this.inspector.replaceChildren(h("h3", {}, `Selected: ${f.type}`), h("label", {}, "Assigned to", who),
      h("label", { class: "check" }, req, "Required"),
      h("button", { type: "button", class: "secondary", onclick: () => this.removeField(f) }, "Remove field"));
  }

  removeField(f: DraftField) {
    this.forgetField(f);
    void this.save(async () => { if (f.id) await request("DELETE", `${this.base}/fields/${f.id}`); });
  }

  /** forgetField takes a field off the page without calling the server. */
  forgetField(f: DraftField) {
    f.el?.remove();
    this.fields = this.fields.filter((x) => x !== f);
    if (this.selected === f) this.select(null);
  }

  async send() {
    this.err.clear();
    const button = document.getElementById("send") as HTMLButtonElement;
    button.disabled = true;
    try {
      await this.saving; // every edit is on the server before it sends
      await idempotent(`${this.base}/send`, {});
      for (const v of this.views) v.destroy();
      navigate(`/app/envelopes/${this.id}`);
    } catch (e) {
      this.err.show(e);
      this.drawRecipients();
    } finally {
      button.disabled = false;
    }
  }
}

/** idempotent POSTs with a key derived from the path and body, so a retry
 * of the same item replays instead of creating it twice. */
async function idempotent<T>(path: string, body: unknown): Promise<T> {
  if (!crypto.subtle) return request<T>("POST", path, body); // plain HTTP off localhost: no key
  const text = JSON.stringify(body);
  const sum = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${path}\n${text}`));
  const key = "web-" + Array.from(new Uint8Array(sum), (b) => b.toString(16).padStart(2, "0")).join("");
  return request<T>("POST", path, body, { "Idempotency-Key": key });
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));
const round = (v: number) => Math.round(v * 10) / 10;

/** editorPage edits a draft envelope. */
export function editorPage(id: string): Promise<void> {
  return new Editor(id).start();
}
