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
export interface Team { id: string; name: string; member_ids: string[]; created_at: string }
export interface Me {
  user: { id: string; email: string; name: string; role: string };
  organization: { id: string; name: string }; role: string; teams: Team[]; permissions: string[];
}
export interface Member { id: string; email: string; name: string; role: string; team_ids: string[]; created_at: string; removed_at: string | null }
export interface Invitation {
  id: string; email: string; role: string; team_ids: string[]; invited_by: string; status: string;
  created_at: string; expires_at: string; accepted_at: string | null; user_id: string | null; revoked_at: string | null;
}
export interface InvitationView {
  organization: { id: string; name: string }; inviter_name: string; inviter_email: string; email: string; role: string; expires_at: string;
}
export interface SessionStart { expires_in: number; mfa_required?: boolean; mfa_token: string }
export interface TOTPStatus { enabled: boolean; recovery_codes_left: number }
export interface TOTPEnrollment { secret: string; otpauth_uri: string; qr_code: string }
export interface SessionInfo {
  id: string; created_at: string; last_used_at: string; expires_at: string; ip: string; user_agent: string; current: boolean;
}
export interface SSODomain { domain: string; status: "pending" | "verified" | "verified_by_another_organization"; verified: boolean; verified_at: string | null; txt_name: string; txt_value: string }
export interface SSOConfig {
  issuer: string; client_id: string; client_secret_set: boolean; domains: SSODomain[];
  default_role: string; enforce: boolean; redirect_url: string; created_at: string; updated_at: string;
}
