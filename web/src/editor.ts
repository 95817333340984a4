// The draft editor: upload PDFs, list recipients (drag to reorder; equal
// routing order = parallel), drag fields onto the rendered pages, move,
// resize and assign them, then send. Recipients and fields stay in the
// page until Send, because the API creates them but cannot change them;
// Send creates them with Idempotency-Keys derived from their content, so
// sending again after a failure does not duplicate anything.

import { errorBox, h, mount, navigate } from "./dom";
import { request } from "./http";
import { nav } from "./dashboard";
import { openPDF, placeBox, renderDocument, type DocumentView, type PageView } from "./pdfview";
import type { Doc, EnvelopeDetail, Field, Recipient } from "./types";

interface DraftRecipient { key: number; name: string; email: string; role: string; routing_order: number; id?: string }
interface DraftField { key: number; type: string; recipient: number; doc: Doc; page: number; x: number; y: number; width: number; height: number; required: boolean; el?: HTMLElement }

const fieldTypes: [string, string, number, number][] = [
  ["signature", "Signature", 160, 44], ["initials", "Initials", 60, 36], ["date_signed", "Date signed", 110, 20],
  ["name", "Name", 150, 20], ["email", "Email", 180, 20], ["text", "Text", 150, 20], ["checkbox", "Checkbox", 16, 16],
];
const roles = ["signer", "approver", "cc", "viewer"];
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

  constructor(public id: string) {}

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
      h("button", { type: "submit" }, "Add recipient"));
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const d = new FormData(f);
      const order = Math.max(0, ...this.recipients.map((r) => r.routing_order)) + 1;
      this.recipients.push({ key: this.seq++, name: String(d.get("name")), email: String(d.get("email")), role: String(d.get("role")), routing_order: order });
      f.reset();
      this.drawRecipients();
    });
    return f;
  }

  drawRecipients() {
    this.recipientList.replaceChildren(...this.recipients.map((r, i) => {
      const order = h("input", { type: "number", min: 1, max: 100, value: r.routing_order, class: "order", "aria-label": `Routing order of ${r.name}`, disabled: !!r.id });
      order.addEventListener("change", () => { r.routing_order = Math.max(1, Number(order.value) || 1); });
      const li = h("li", { draggable: r.id ? "false" : "true", "data-recipient": r.key, class: `color-${r.key % colors}` },
        order, h("span", { class: "who" }, h("strong", {}, r.name), " ", r.email), h("span", { class: "role" }, r.role),
        !r.id && h("button", { type: "button", class: "link", "aria-label": `Remove ${r.name}`, onclick: () => this.removeRecipient(r) }, "×"));
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
    if (from === to || this.recipients[from]?.id || this.recipients.some((r) => r.id)) return;
    const [r] = this.recipients.splice(from, 1);
    this.recipients.splice(to, 0, r);
    this.recipients.forEach((r, i) => { r.routing_order = i + 1; });
    this.drawRecipients();
  }

  removeRecipient(r: DraftRecipient) {
    this.recipients = this.recipients.filter((x) => x !== r);
    for (const f of this.fields.filter((f) => f.recipient === r.key)) this.removeField(f);
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

  placeExisting(f: Field, v: DocumentView) {
    const r = this.recipients.find((r) => r.id === f.recipient_id);
    const p = v.pages[f.page - 1];
    if (!r || !p) return;
    const box = h("div", { class: `placed color-${r.key % colors} saved`, "data-type": f.type }, f.type);
    placeBox(box, p.doc.page_sizes[f.page - 1], f);
    p.overlay.append(box);
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
      const up = () => { box.removeEventListener("pointermove", move); box.removeEventListener("pointerup", up); };
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
    });
    const req = h("input", { type: "checkbox", checked: f.required });
    req.addEventListener("change", () => { f.required = req.checked; });
    this.inspector.replaceChildren(h("h3", {}, `Selected: ${f.type}`), h("label", {}, "Assigned to", who),
      h("label", { class: "check" }, req, "Required"),
      h("button", { type: "button", class: "secondary", onclick: () => this.removeField(f) }, "Remove field"));
  }

  removeField(f: DraftField) {
    f.el?.remove();
    this.fields = this.fields.filter((x) => x !== f);
    if (this.selected === f) this.select(null);
  }

  async send() {
    this.err.clear();
    const button = document.getElementById("send") as HTMLButtonElement;
    button.disabled = true;
    try {
      for (const r of this.recipients.filter((r) => !r.id)) {
        const body = { name: r.name, email: r.email, role: r.role, routing_order: r.routing_order };
        r.id = (await idempotent<Recipient>(`/api/v1/envelopes/${this.id}/recipients`, body)).id;
      }
      for (const f of this.fields) {
        const body = { document_id: f.doc.id, recipient_id: this.recipients.find((r) => r.key === f.recipient)!.id, type: f.type,
          page: f.page, x: round(f.x), y: round(f.y), width: round(f.width), height: round(f.height), required: f.required };
        await idempotent<Field>(`/api/v1/envelopes/${this.id}/fields`, body);
      }
      await idempotent(`/api/v1/envelopes/${this.id}/send`, {});
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
