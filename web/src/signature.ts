// Capturing a signature: drawn with a pointer (mouse, pen or finger),
// typed (GSign renders the text in the signature font the signer picks),
// or an uploaded image converted to PNG. The signer adopts it once;
// initials reuse it.

import { h } from "./dom";
import { fontClass, signatureFonts } from "./fonts";
import { openDialog } from "./modal";

/** Signature is the body the fill API takes for signature fields. */
export interface Signature { kind: "draw" | "typed" | "upload"; image_png_base64?: string; text?: string; font?: string }

/** initialsOf derives initials from a signature: the typed text's
 * initials, or the same image. */
export function initialsOf(s: Signature): Signature {
  if (s.kind !== "typed" || !s.text) return s;
  const letters = s.text.split(/\s+/).filter(Boolean).map((w) => Array.from(w)[0]).join("");
  return { kind: "typed", text: letters.toUpperCase() || s.text, font: s.font };
}

/** adoptSignature asks the signer for a signature; null when cancelled. */
export function adoptSignature(name: string): Promise<Signature | null> {
  return new Promise((resolve) => {
    let result: Signature | null = null;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const draw = drawPad();
    const typed = h("input", { type: "text", name: "typed", value: name, maxlength: 100, "aria-label": "Your name as signature" });
    const fonts = fontPicker(name);
    typed.addEventListener("input", () => fonts.show(typed.value));
    const upload = h("input", { type: "file", name: "upload", accept: "image/png,image/jpeg,image/gif,image/webp" });
    const panels = {
      draw: h("div", { class: "panel" }, draw.el, h("button", { type: "button", class: "secondary", onclick: () => draw.clear() }, "Clear")),
      typed: h("div", { class: "panel", hidden: true }, typed, fonts.el,
        h("p", { class: "hint" }, "GSign draws your signature in the font you pick, as shown.")),
      upload: h("div", { class: "panel", hidden: true }, upload),
    };
    let tab: keyof typeof panels = "draw";
    const tabs = h("div", { class: "tabs", role: "tablist" });
    for (const [key, label] of [["draw", "Draw"], ["typed", "Type"], ["upload", "Upload"]] as const) {
      tabs.append(h("button", {
        type: "button", role: "tab", "data-tab": key, "aria-selected": String(key === tab),
        onclick: () => {
          tab = key;
          for (const [k, p] of Object.entries(panels)) p.hidden = k !== key;
          for (const b of tabs.querySelectorAll("button")) b.setAttribute("aria-selected", String(b.dataset.tab === key));
        },
      }, label));
    }
    const adopt = h("button", { type: "button", class: "primary", onclick: async () => {
      error.hidden = true;
      try {
        result = await capture(tab, draw, { text: typed.value, font: fonts.chosen() }, upload.files?.[0]);
        d.close();
      } catch (e) {
        error.textContent = (e as Error).message;
        error.hidden = false;
      }
    } }, "Adopt and sign");
    const d = openDialog("Adopt your signature", tabs, panels.draw, panels.typed, panels.upload, error,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => d.close() }, "Cancel"), adopt));
    d.addEventListener("close", () => resolve(result));
    draw.fit();
  });
}

interface FontPicker { el: HTMLElement; show(text: string): void; chosen(): string }

/** fontPicker offers each signature font as a radio button labelled with
 * the signer's text in that font; the server's default is chosen first. */
function fontPicker(text: string): FontPicker {
  const el = h("div", { class: "font-choices", role: "radiogroup", "aria-label": "Font" });
  for (const [i, f] of signatureFonts.entries()) {
    el.append(h("label", { class: "font-choice" },
      h("input", { type: "radio", name: "font", value: f.id, checked: i === 0 }),
      h("span", { class: "typed-preview " + fontClass(f.id) }, text),
      h("span", { class: "font-name" }, f.name)));
  }
  return {
    el,
    show: (t) => { for (const p of el.querySelectorAll(".typed-preview")) p.textContent = t; },
    chosen: () => el.querySelector<HTMLInputElement>("input[name=font]:checked")?.value ?? signatureFonts[0].id,
  };
}

async function capture(tab: string, draw: DrawPad, typed: { text: string; font: string }, file?: File): Promise<Signature> {
  switch (tab) {
    case "draw":
      if (draw.empty()) throw new Error("Draw your signature in the box first.");
      return { kind: "draw", image_png_base64: draw.png() };
    case "typed":
      if (!typed.text.trim()) throw new Error("Type your name first.");
      return { kind: "typed", text: typed.text.trim(), font: typed.font };
    default:
      if (!file) throw new Error("Choose an image of your signature first.");
      return { kind: "upload", image_png_base64: await imageToPNG(file) };
  }
}

interface DrawPad { el: HTMLCanvasElement; clear(): void; empty(): boolean; png(): string; fit(): void }

/** drawPad is a canvas drawn on with pointer events: mouse, pen and touch
 * alike (touch-action: none keeps the page from scrolling meanwhile). */
function drawPad(): DrawPad {
  const el = h("canvas", { class: "draw-pad", "aria-label": "Draw your signature here", role: "img" });
  const ctx = el.getContext("2d")!;
  let strokes = 0;
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = el.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * el.width) / r.width, y: ((e.clientY - r.top) * el.height) / r.height };
  };
  el.addEventListener("pointerdown", (e) => { el.setPointerCapture(e.pointerId); last = at(e); e.preventDefault(); });
  el.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    ctx.lineWidth = Math.max(2, el.width / 200);
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.strokeStyle = "#10204a";
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    strokes++;
  });
  const end = () => { last = null; };
  el.addEventListener("pointerup", end);
  el.addEventListener("pointercancel", end);
  return {
    el,
    clear() { ctx.clearRect(0, 0, el.width, el.height); strokes = 0; },
    empty: () => strokes < 3,
    png: () => el.toDataURL("image/png"),
    fit() {
      el.width = Math.max(300, Math.round(el.clientWidth * (window.devicePixelRatio || 1)));
      el.height = Math.round(el.width / 3);
    },
  };
}

/** imageToPNG converts an image file to a PNG at most 1200 pixels wide,
 * which keeps it under the API's 1 MiB limit. */
async function imageToPNG(file: File): Promise<string> {
  if (file.size > 10 << 20) throw new Error("That image is larger than 10 MB.");
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file);
  } catch {
    throw new Error("That file is not an image this browser can read.");
  }
  const scale = Math.min(1, 1200 / bmp.width);
  const c = h("canvas", {});
  c.width = Math.max(1, Math.round(bmp.width * scale));
  c.height = Math.max(1, Math.round(bmp.height * scale));
  c.getContext("2d")!.drawImage(bmp, 0, 0, c.width, c.height);
  return c.toDataURL("image/png");
}
