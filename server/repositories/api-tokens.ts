// Personal API tokens (migration 041): rows hold the token's sha256, never the token. The lookup that authenticates a
// request is one query: the token's row, its creator, and a last-used stamp written at most once a minute.
import type { Sql } from '../db/client.ts';
import type { SessionUser } from '../services/auth-service.ts';

export type ApiTokenScope = 'agent' | 'admin';

export interface ApiTokenRow {
  id: number;
  name: string;
  hint: string;
  scope: ApiTokenScope;
  created_by: number;
  creator_name: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** What a presented token's hash finds: its row and creator, or why it no longer works. */
export type ApiTokenLookup =
  | { ok: true; token: { id: number; name: string; scope: ApiTokenScope }; user: SessionUser }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'creator_inactive' };

/** How often a token's last_used_at is written at most (one write a minute per token, not one per request). */
export const LAST_USED_RESOLUTION_SECONDS = 60;

const columns = (sql: Sql) => sql`t.id, t.name, t.hint, t.scope, t.created_by, u.name as creator_name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`;

export const apiTokensRepository = (sql: Sql) => ({
  async create(input: { name: string; tokenHash: string; hint: string; scope: ApiTokenScope; createdBy: number; expiresAt: Date | null }): Promise<ApiTokenRow> {
    const [row] = await sql<{ id: number }[]>`
      insert into api_tokens (name, token_hash, hint, scope, created_by, expires_at)
      values (${input.name}, ${input.tokenHash}, ${input.hint}, ${input.scope}, ${input.createdBy}, ${input.expiresAt})
      returning id`;
    return (await this.find(row.id))!;
  },
  async find(id: number): Promise<ApiTokenRow | undefined> {
    const [row] = await sql<ApiTokenRow[]>`select ${columns(sql)} from api_tokens t left join users u on u.id = t.created_by where t.id = ${id}`;
    return row;
  },
  /** Tokens not revoked (expired ones included: the list says they expired), newest first. */
  async listLive(): Promise<ApiTokenRow[]> {
    return sql<ApiTokenRow[]>`
      select ${columns(sql)} from api_tokens t left join users u on u.id = t.created_by
      where t.revoked_at is null order by t.created_at desc, t.id desc`;
  },
  /** Revokes a live token; undefined when there is none with this id (never made, or already revoked). */
  async revoke(id: number, by: number): Promise<ApiTokenRow | undefined> {
    const [row] = await sql<{ id: number }[]>`
      update api_tokens set revoked_at = now(), revoked_by = ${by} where id = ${id} and revoked_at is null returning id`;
    return row ? this.find(row.id) : undefined;
  },
  /**
   * The token a hash belongs to, with its creator as a session would give them. Stamps last_used_at when it
   * is older than a minute: the stamp's condition is in the update, so servers racing on one token write once.
   */
  async authenticate(tokenHash: string): Promise<ApiTokenLookup> {
    const [row] = await sql<{
      id: number; name: string; scope: ApiTokenScope; revoked: boolean; expired: boolean;
      user_id: number; email: string; user_name: string; display_name: string | null; role: 'agent' | 'admin'; capacity: number; languages: SessionUser['languages'];
      presence: SessionUser['presence']; active: boolean; last_seen_at: Date | null; user_created_at: Date; must_change_password: boolean;
    }[]>`
      with found as (
        select t.id, t.name, t.scope, t.revoked_at is not null as revoked,
               (t.expires_at is not null and t.expires_at <= now()) as expired, t.last_used_at,
               u.id as user_id, u.email, u.name as user_name, u.display_name, u.role, u.capacity, u.languages, u.presence, u.active,
               u.last_seen_at, u.created_at as user_created_at, u.must_change_password
        from api_tokens t join users u on u.id = t.created_by
        where t.token_hash = ${tokenHash}
      ), stamped as (
        update api_tokens set last_used_at = now()
        where id = (select id from found where not revoked and not expired and active)
          and (last_used_at is null or last_used_at < now() - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS}))
        returning id
      )
      select found.* from found`;
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked) return { ok: false, reason: 'revoked' };
    if (row.expired) return { ok: false, reason: 'expired' };
    if (!row.active) return { ok: false, reason: 'creator_inactive' };
    return {
      ok: true,
      token: { id: row.id, name: row.name, scope: row.scope },
      user: {
        id: row.user_id, email: row.email, name: row.user_name, display_name: row.display_name, role: row.role, capacity: row.capacity, languages: row.languages,
        presence: row.presence, active: row.active, last_seen_at: row.last_seen_at, created_at: row.user_created_at,
        must_change_password: row.must_change_password,
      },
    };
  },
});
export type ApiTokensRepository = ReturnType<typeof apiTokensRepository>;
