// The public page that verifies any PDF: drop a file, read the report.

import { append, errorBox, h, mount } from "./dom";
import { request } from "./http";

interface Report { valid: boolean; problems?: string[]; signatures?: Record<string, unknown>[]; evidence?: Record<string, unknown> | null }

/** verifyPage lets anyone check a PDF's signatures. */
export function verifyPage(): void {
  const err = errorBox();
  const out = h("div", { id: "report" });
  const file = h("input", { type: "file", accept: "application/pdf", id: "verify-file", "aria-label": "PDF to verify" });
  const zone = h("label", { class: "dropzone", id: "dropzone" }, "Drop a PDF here, or choose one", file);
  const check = async (f: File | undefined) => {
    if (!f) return;
    err.clear();
    out.replaceChildren(h("p", {}, `Checking ${f.name}…`));
    const body = new FormData();
    body.append("file", f, f.name);
    try {
      show(out, f.name, await request<Report>("POST", "/api/v1/verify", body));
    } catch (e) {
      out.replaceChildren();
      err.show(e);
    }
  };
  file.addEventListener("change", () => void check(file.files?.[0]));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); void check(e.dataTransfer?.files[0]); });
  mount(h("div", { class: "card wide" }, h("h1", {}, "Verify a PDF"),
    h("p", {}, "Checks every signature, what changed after it, the timestamps, and GSign's embedded evidence. The file is checked and not kept."),
    zone, err.el, out));
}

function show(out: HTMLElement, name: string, r: Report): void {
  out.replaceChildren();
  append(out,
    h("h2", { class: r.valid ? "valid" : "invalid", id: "verdict" }, r.valid ? `✓ ${name} is valid` : `✗ ${name} is not valid`),
    r.problems?.length ? h("ul", { class: "problems" }, ...r.problems.map((p) => h("li", {}, p))) : null,
    ...(r.signatures ?? []).map((s, i) => h("details", { open: true }, h("summary", {}, `Signature ${i + 1}`), tree(s))),
    r.evidence ? h("details", {}, h("summary", {}, "Evidence"), tree(r.evidence)) : null);
}

/** tree shows any JSON value as nested lists, as text. */
function tree(v: unknown): HTMLElement {
  if (v === null || typeof v !== "object") return h("span", {}, String(v));
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i + 1), x] as const) : Object.entries(v);
  return h("dl", {}, ...entries.flatMap(([k, x]) => [h("dt", {}, k), h("dd", {}, tree(x))]));
}
