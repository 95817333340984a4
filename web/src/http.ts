// Calls to GSign's JSON API. Sender calls ride on the HttpOnly session
// cookie plus the header the server requires against CSRF; signing calls
// carry the recipient's token in the path.

/** Problem is an RFC 9457 problem response. */
export class Problem extends Error {
  constructor(public status: number, public code: string, message: string, public fields?: Record<string, string>) {
    super(message);
  }
}

/** problemOf reads a problem response. */
export async function problemOf(res: Response): Promise<Problem> {
  try {
    const p = await res.json();
    let msg = p.detail || p.title || res.statusText;
    if (p.errors) msg += " (" + Object.entries(p.errors).map(([k, v]) => `${k}: ${v}`).join("; ") + ")";
    return new Problem(res.status, p.code || "", msg, p.errors);
  } catch {
    return new Problem(res.status, "", `${res.status} ${res.statusText}`);
  }
}

const csrf = { "X-GSign-Request": "1" };

/** request calls the API and decodes JSON; a problem becomes a thrown Problem. */
export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, headers: { ...csrf, ...headers }, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res = await fetch(path, init);
  if (res.status === 401 && renews(path) && (await refreshSession())) {
    res = await fetch(path, init);
  }
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** renews says whether a 401 from path may mean an expired session cookie,
 * worth one renewal: every sender route, but not the sign-in routes
 * themselves, and not a recipient's (whose 401 asks for a code). */
function renews(path: string): boolean {
  return path.startsWith("/api/v1/") && !/^\/api\/v1\/(auth\/(session|login|refresh|password-reset)|signing\/|invitations\/|sso\/|idv\/)/.test(path);
}

let refreshing: Promise<boolean> | null = null;

/** refreshSession rotates the session cookies once for concurrent callers. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/api/v1/auth/session/refresh", { method: "POST", headers: csrf, credentials: "same-origin" })
    .then((r) => r.ok)
    .finally(() => setTimeout(() => (refreshing = null), 0));
  return refreshing;
}

/** fetchBytes downloads a binary response. */
export async function fetchBytes(path: string): Promise<ArrayBuffer> {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) throw await problemOf(res);
  return res.arrayBuffer();
}
