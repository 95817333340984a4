// The API's JSON shapes, as docs/openapi.yaml describes them.

export interface PageSize { width: number; height: number }
export interface Doc { id: string; name: string; pages: number; sha256: string; size: number; page_sizes: PageSize[] }
export interface Recipient {
  id: string; name: string; email: string; role: string; routing_order: number; status: string;
  sent_at: string | null; delivered_at: string | null; completed_at: string | null;
  declined_at: string | null; decline_reason: string; embedded: boolean;
  auth?: string; access_code_set?: boolean; auth_used?: string; auth_detail?: string;
}
export interface Field {
  id: string; document_id: string; recipient_id: string; type: string; page: number;
  x: number; y: number; width: number; height: number; required: boolean;
  value: string; filled: boolean; filled_at: string | null;
}
export interface Envelope {
  id: string; name: string; subject: string; message: string; status: string;
  sent_at: string | null; completed_at: string | null; void_reason: string;
  result_status: string; created_at: string; updated_at: string;
}
export interface EnvelopeDetail extends Envelope { documents: Doc[]; recipients: Recipient[]; fields: Field[] }
export interface EnvelopePage { items: Envelope[]; next_cursor: string }
export interface SigningView {
  envelope: { id: string; name: string; subject: string; message: string; status: string };
  sender?: { name: string; email: string };
  recipient: { id: string; name: string; email: string; role: string; status: string; auth?: string };
  auth_required?: { method: string; destination?: string };
  documents: Doc[]; fields: Field[]; session_token?: string;
}
export interface AuditEvent {
  seq: number; type: string; occurred_at: string; data: Record<string, string>;
  actor: { type: string; id: string; email: string; ip: string; user_agent: string };
  hash: string; previous_hash: string;
}
export interface Audit { envelope_id: string; verified: boolean; events: AuditEvent[] }
