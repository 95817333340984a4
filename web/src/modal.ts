// Modal dialogs on the native <dialog> element.

import { h, type Child } from "./dom";

/** openDialog shows a modal dialog and removes it once closed. */
export function openDialog(title: string, ...body: Child[]): HTMLDialogElement {
  const d = h("dialog", { class: "dialog", "aria-label": title }, h("h2", {}, title), ...body);
  d.addEventListener("close", () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}

/** ask shows a dialog with one text input and resolves to the text, or
 * null when cancelled. */
export function ask(title: string, label: string, opts: { multiline?: boolean; submit?: string } = {}): Promise<string | null> {
  return new Promise((resolve) => {
    const input = opts.multiline
      ? h("textarea", { name: "answer", rows: 4, maxlength: 1000 })
      : h("input", { name: "answer", type: "text", maxlength: 1000 });
    let answer: string | null = null;
    const form = h("form", { method: "dialog" },
      h("label", {}, label, input),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => d.close() }, "Cancel"),
        h("button", { type: "submit" }, opts.submit ?? "OK")));
    form.addEventListener("submit", () => { answer = input.value; });
    const d = openDialog(title, form);
    d.addEventListener("close", () => resolve(answer));
    input.focus();
  });
}
