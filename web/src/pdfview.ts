// Renders PDFs with pdf.js page by page, as pages scroll into view, so a
// 100-page document never renders (or keeps) all its pages at once. Each
// page gets an overlay layer, sized in the page's own points, where the
// caller places fields.

import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from "pdfjs-dist";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import { h } from "./dom";
import type { Doc } from "./types";

GlobalWorkerOptions.workerSrc = workerUrl;

/** PageView is one page's box: the canvas and the overlay for fields. */
export interface PageView { doc: Doc; page: number; box: HTMLElement; overlay: HTMLElement }

/** DocumentView is a rendered document; destroy frees pdf.js's memory. */
export interface DocumentView { el: HTMLElement; pages: PageView[]; destroy(): void }

/** openPDF loads a document by URL with range requests, so pdf.js reads
 * what the visible pages need. pdf.js 6 never evaluates code (its old
 * isEvalSupported switch is gone with the eval it guarded), so the CSP's
 * script-src 'self' holds; XFA forms, which would run scripts, stay off. */
export function openPDF(url: string): Promise<PDFDocumentProxy> {
  return getDocument({
    url,
    withCredentials: true,
    enableXfa: false,
    disableAutoFetch: true,
    rangeChunkSize: 256 * 1024,
  }).promise;
}

/** renderDocument lays out every page at its size, and renders a page's
 * canvas only while it is near the viewport. */
export function renderDocument(pdf: PDFDocumentProxy, doc: Doc): DocumentView {
  const el = h("section", { class: "doc", "aria-label": doc.name });
  const pages: PageView[] = [];
  const rendered = new Map<number, HTMLCanvasElement>();
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const n = Number((e.target as HTMLElement).dataset.page);
      if (e.isIntersecting) void draw(n, e.target as HTMLElement);
      else forget(n);
    }
  }, { rootMargin: "600px 0px" });

  async function draw(n: number, box: HTMLElement) {
    if (rendered.has(n)) return;
    const canvas = h("canvas", { class: "page-canvas", "aria-hidden": "true" });
    rendered.set(n, canvas);
    const page = await pdf.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const scale = (box.clientWidth * (window.devicePixelRatio || 1)) / base.width;
    const viewport = page.getViewport({ scale });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    if (rendered.get(n) !== canvas) return; // scrolled away meanwhile
    box.prepend(canvas);
    await page.render({ canvas, viewport }).promise.catch(() => undefined);
    page.cleanup();
    box.dataset.rendered = "true";
  }

  function forget(n: number) {
    const c = rendered.get(n);
    if (!c) return;
    rendered.delete(n);
    c.width = c.height = 0;
    c.remove();
    delete (el.querySelector(`[data-page="${n}"]`) as HTMLElement | null)?.dataset.rendered;
  }

  for (let n = 1; n <= doc.pages; n++) {
    const size = doc.page_sizes[n - 1] ?? doc.page_sizes[0] ?? { width: 612, height: 792 };
    const overlay = h("div", { class: "overlay" });
    const box = h("div", { class: "page", "data-page": n, "data-doc": doc.id }, overlay);
    box.style.aspectRatio = `${size.width} / ${size.height}`;
    el.append(box, h("p", { class: "page-number" }, `${doc.name} — page ${n} of ${doc.pages}`));
    pages.push({ doc, page: n, box, overlay });
    observer.observe(box);
  }
  return { el, pages, destroy() { observer.disconnect(); void pdf.loadingTask.destroy(); } };
}

/** placeBox positions an element over a page at PDF points from the
 * page's top-left, in percentages so it follows the page's display size. */
export function placeBox(el: HTMLElement, size: { width: number; height: number }, f: { x: number; y: number; width: number; height: number }): void {
  el.style.left = `${(f.x / size.width) * 100}%`;
  el.style.top = `${(f.y / size.height) * 100}%`;
  el.style.width = `${(f.width / size.width) * 100}%`;
  el.style.height = `${(f.height / size.height) * 100}%`;
}
