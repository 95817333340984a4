// DOM helpers. Text from the server (names, subjects, field values) only
// ever becomes text nodes or attribute values, never HTML: nothing here
// parses markup, so a name full of <script> renders as those characters.

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** h creates an element with attributes, listeners (on*) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v as EventListener);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, ...children);
  return el;
}

/** append adds children, strings as text. */
export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** mount replaces the app's content. */
export function mount(...children: Child[]): HTMLElement {
  const root = document.getElementById("app")!;
  root.replaceChildren();
  append(root, ...children);
  return root;
}

/** formatTime shows an RFC 3339 time in the reader's locale. */
export function formatTime(t: string | null | undefined): string {
  return t ? new Date(t).toLocaleString() : "";
}

/** errorBox shows a problem's message where the user acts. */
export function errorBox(): { el: HTMLElement; show(err: unknown): void; clear(): void } {
  const el = h("p", { class: "error", role: "alert", hidden: true });
  return {
    el,
    show(err: unknown) {
      el.textContent = err instanceof Error ? err.message : String(err);
      el.hidden = false;
    },
    clear() {
      el.textContent = "";
      el.hidden = true;
    },
  };
}

/** navigate changes the app's URL and renders the new page. */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** link is an anchor that navigates inside the app. */
export function link(path: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", {
    href: path,
    onclick: ((e: MouseEvent) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      navigate(path);
    }) as EventListener,
  }, ...children);
}
