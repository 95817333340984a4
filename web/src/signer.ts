// The signing page behind a link /s/{token}: consent first, then the
// documents with the recipient's own fields highlighted, a guided "next
// field", a signature adopted once, decline with a reason, a finish page.

import { errorBox, h, mount } from "./dom";
import { fontClass } from "./fonts";
import { Problem, problemOf } from "./http";
import { ask } from "./modal";
import { openPDF, placeBox, renderDocument, type DocumentView } from "./pdfview";
import { adoptSignature, initialsOf, type Signature } from "./signature";
import type { Field, SigningView } from "./types";

const autoFilled = new Set(["date_signed", "name", "email"]);
const labels: Record<string, string> = {
  signature: "Sign", initials: "Initial", text: "Text", checkbox: "Check",
  date_signed: "Date (filled when you finish)", name: "Name (filled when you finish)", email: "Email (filled when you finish)",
};

/** signing is one recipient's session on the page. */
class Signing {
  token: string;
  view!: SigningView;
  adopted: Signature | null = null;
  boxes = new Map<string, HTMLElement>();
  views: DocumentView[] = [];
  status = h("p", { class: "progress", "aria-live": "polite" });
  next = h("button", { type: "button", class: "primary", id: "next-field" }, "Next field");
  finish = h("button", { type: "button", class: "primary", id: "finish", disabled: true }, "Finish");
  error = errorBox();

  constructor(token: string) {
    this.token = token;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { "Content-Type": "application/json" } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`/api/v1/signing/${encodeURIComponent(this.token)}${path}`, init);
    if (!res.ok) throw await problemOf(res);
    return (await res.json()) as T;
  }

  async start() {
    try {
      this.view = await this.call<SigningView>("GET", "");
    } catch (e) {
      return gone(e);
    }
    if (this.view.session_token) {
      // An embedded link is spent once opened: continue with the session.
      this.token = this.view.session_token;
      history.replaceState(null, "", `/s/${encodeURIComponent(this.token)}`);
    }
    if (this.view.auth_required) return this.authenticate(this.view.auth_required);
    this.consent();
  }

  /** authenticate asks for the access code or a one-time code (send,
   * resend, enter), or sends the recipient to identity verification. The
   * server answers with an HttpOnly cookie that later calls carry. */
  authenticate(req: { method: string; destination?: string }) {
    const { envelope, sender } = this.view;
    const code = h("input", { id: "auth-code", inputmode: req.method === "access_code" ? "text" : "numeric", autocomplete: "one-time-code", "aria-label": "Code" });
    const note = h("p", { class: "progress", id: "auth-note", "aria-live": "polite" });
    const err = errorBox();
    const verify = h("button", { type: "submit", class: "primary", id: "auth-verify" }, "Continue");
    const send = h("button", { type: "button", class: "secondary", id: "auth-send" }, "Send code");
    send.onclick = async () => {
      err.clear();
      try {
        const sent = await this.call<{ destination: string }>("POST", "/auth/code", {});
        note.textContent = `We sent a 6-digit code to ${sent.destination}. It expires in 10 minutes.`;
        send.textContent = "Resend code";
      } catch (e) {
        err.show(e);
      }
    };
    const form = h("form", { class: "auth", id: "auth-form" }, h("label", {}, req.method === "access_code" ? "Access code" : "One-time code", code), verify);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.clear();
      try {
        await this.call("POST", "/auth", { code: code.value.trim() });
        this.view = await this.call<SigningView>("GET", "");
        this.consent();
      } catch (e) {
        err.show(e);
      }
    });
    const idv = h("button", { type: "button", class: "primary", id: "auth-idv", onclick: async () => {
      try {
        location.href = (await this.call<{ redirect_url: string }>("POST", "/auth/idv", {})).redirect_url;
      } catch (e) {
        err.show(e);
      }
    } }, "Verify your identity");
    const prompt: Record<string, string> = {
      access_code: "Enter the access code the sender gave you.",
      email_otp: `To open the documents, confirm it is you with a code sent to ${req.destination ?? "your email"}.`,
      sms_otp: `To open the documents, confirm it is you with a code sent by text to ${req.destination ?? "your phone"}.`,
      idv: "To open the documents, verify your identity with our verification partner. You will come back here afterwards.",
    };
    mount(h("div", { class: "card auth", id: "auth" },
      h("h1", {}, envelope.name),
      sender && h("p", {}, "From ", h("strong", {}, sender.name), ` (${sender.email}).`),
      h("p", {}, prompt[req.method] ?? "Confirm who you are to continue."),
      err.el, note,
      req.method === "idv" ? idv : form,
      (req.method === "email_otp" || req.method === "sms_otp") && h("div", { class: "actions" }, send)));
  }

  consent() {
    const { envelope, recipient } = this.view;
    const agree = h("input", { type: "checkbox", id: "consent" });
    const go = h("button", { type: "button", class: "primary", id: "consent-continue", disabled: true, onclick: () => this.documents() }, "Continue");
    agree.addEventListener("change", () => { go.disabled = !agree.checked; });
    mount(h("div", { class: "card consent" },
      h("h1", {}, envelope.name),
      envelope.subject && h("p", { class: "subject" }, envelope.subject),
      envelope.message && h("p", { class: "message" }, envelope.message),
      h("p", {}, "For ", h("strong", {}, recipient.name), ` (${recipient.email}).`),
      h("h2", {}, "Electronic signature disclosure"),
      h("p", {}, "You can sign these documents electronically. Your electronic signature has the same effect as one on paper. " +
        "GSign records when and from where you open, fill and sign them. You may decline instead, or ask the sender for a paper copy."),
      h("label", { class: "check" }, agree, "I agree to use electronic records and signatures."),
      h("div", { class: "actions" }, !this.reader() && h("button", { type: "button", class: "secondary", id: "decline", onclick: () => this.decline() }, "Decline"), go)));
  }

  documents() {
    const { envelope } = this.view;
    this.next.onclick = () => this.goNext();
    this.finish.onclick = () => this.complete();
    if (this.view.recipient.role === "approver") this.finish.textContent = "Approve";
    const bar = this.reader()
      ? h("div", { class: "toolbar" }, h("p", { class: "progress", id: "copy-only" }, "You received these documents to read; there is nothing for you to sign."))
      : h("div", { class: "toolbar" }, this.status, this.next, this.finish,
        h("button", { type: "button", class: "secondary", id: "decline", onclick: () => this.decline() }, "Decline"));
    const docs = h("div", { class: "docs" });
    mount(h("header", { class: "signing-head" }, h("h1", {}, envelope.name)), bar, this.error.el, docs);
    for (const doc of this.view.documents) {
      const placeholder = h("p", {}, `Loading ${doc.name}…`);
      docs.append(placeholder);
      openPDF(`/api/v1/signing/${encodeURIComponent(this.token)}/documents/${encodeURIComponent(doc.id)}`).then((pdf) => {
        const v = renderDocument(pdf, doc);
        this.views.push(v);
        placeholder.replaceWith(v.el);
        for (const p of v.pages) {
          for (const f of this.view.fields.filter((f) => f.document_id === doc.id && f.page === p.page)) {
            p.overlay.append(this.fieldBox(f, doc.page_sizes[p.page - 1]));
          }
        }
        this.update();
      }, (e) => placeholder.replaceWith(h("p", { class: "error" }, `Could not show ${doc.name}: ${(e as Error).message}`)));
    }
    this.update();
  }

  /** reader says whether the recipient only receives a copy (viewer, cc). */
  reader(): boolean {
    return this.view.recipient.role === "viewer" || this.view.recipient.role === "cc";
  }

  fieldBox(f: Field, size: { width: number; height: number }): HTMLElement {
    const box = h("button", { type: "button", class: `field mine ${f.type}`, "data-field": f.id, "data-type": f.type,
      "aria-label": `${labels[f.type] ?? f.type}${f.required ? " (required)" : ""}` }, labels[f.type] ?? f.type);
    placeBox(box, size, f);
    if (autoFilled.has(f.type)) box.disabled = true;
    box.addEventListener("click", () => this.fill(f));
    this.boxes.set(f.id, box);
    this.show(f);
    return box;
  }

  show(f: Field) {
    const box = this.boxes.get(f.id) as HTMLButtonElement | undefined;
    if (!box) return;
    box.classList.toggle("filled", f.filled);
    if (f.filled) {
      box.disabled = true;
      box.textContent = f.type === "checkbox" ? "✓" : f.type === "signature" || f.type === "initials" ? "Signed" : f.value;
    }
  }

  pending(): Field[] {
    return this.view.fields.filter((f) => !f.filled && !autoFilled.has(f.type));
  }

  update() {
    const left = this.pending().filter((f) => f.required).length;
    this.status.textContent = left ? `${left} required field${left > 1 ? "s" : ""} left` : "All required fields are filled: finish when you are ready.";
    this.finish.disabled = left > 0;
    this.next.disabled = this.pending().length === 0;
  }

  goNext() {
    const f = this.pending().find((f) => f.required) ?? this.pending()[0];
    const box = f && this.boxes.get(f.id);
    if (!box) return;
    box.scrollIntoView({ behavior: "smooth", block: "center" });
    box.focus({ preventScroll: true });
    box.classList.add("flash");
    setTimeout(() => box.classList.remove("flash"), 1200);
  }

  async fill(f: Field) {
    this.error.clear();
    let body: { value?: string; signature?: Signature };
    if (f.type === "signature" || f.type === "initials") {
      this.adopted ??= await adoptSignature(this.view.recipient.name);
      if (!this.adopted) return;
      body = { signature: f.type === "initials" ? initialsOf(this.adopted) : this.adopted };
    } else if (f.type === "checkbox") {
      body = { value: "true" };
    } else {
      const v = await ask("Fill in the field", "Text", { submit: "Fill" });
      if (v === null) return;
      body = { value: v };
    }
    try {
      const filled = await this.call<Field>("POST", `/fields/${encodeURIComponent(f.id)}`, body);
      Object.assign(f, filled);
      this.show(f);
      if (body.signature) this.boxes.get(f.id)?.replaceChildren(preview(body.signature));
      this.update();
      if (this.pending().length) this.goNext();
    } catch (e) {
      this.error.show(e);
    }
  }

  async complete() {
    try {
      await this.call("POST", "/complete", {});
    } catch (e) {
      return this.error.show(e);
    }
    this.close();
    mount(h("div", { class: "card done", id: "finished" }, h("h1", {}, "You're done"),
      h("p", {}, `You signed “${this.view.envelope.name}”. GSign emails everyone a copy once all recipients have signed.`),
      h("p", {}, "You can close this page.")));
  }

  async decline() {
    const reason = await ask("Decline to sign", "Tell the sender why (optional)", { multiline: true, submit: "Decline" });
    if (reason === null) return;
    try {
      await this.call("POST", "/decline", { reason });
    } catch (e) {
      return this.error.show(e);
    }
    this.close();
    mount(h("div", { class: "card done", id: "declined" }, h("h1", {}, "You declined"),
      h("p", {}, `The sender of “${this.view.envelope.name}” has been told. You can close this page.`)));
  }

  close() {
    for (const v of this.views) v.destroy();
  }
}

/** preview shows a signature as it will be drawn: the image, or the text
 * in the signature font the signer chose. */
function preview(s: Signature): HTMLElement {
  return s.image_png_base64
    ? h("img", { class: "sig-image", src: s.image_png_base64, alt: "Your signature" })
    : h("span", { class: "sig-typed " + fontClass(s.font) }, s.text ?? "");
}

function gone(e: unknown) {
  const p = e instanceof Problem ? e : null;
  const title = p?.status === 410 ? "This link can no longer be used" : p?.status === 409 ? "It is not your turn yet" : p?.status === 404 ? "This link is not valid" : "Something went wrong";
  mount(h("div", { class: "card" }, h("h1", {}, title), h("p", {}, p?.message ?? String(e))));
}

/** signingPage runs the signing page for a token. */
export function signingPage(token: string): void {
  void new Signing(token).start();
}
