import type { Sql, Tx } from '../db/client.ts';
import type { Presence } from '../realtime/event-maps.ts';
import { seatsTaken } from './routing.ts';

export type AgentLanguage = 'en' | 'zh';

export interface UserRow {
  id: number;
  email: string;
  /** The full name colleagues see in the console. */
  name: string;
  /** What shoppers are told the agent is called (migration 044); null = the full name. See shownNameColumn. */
  display_name: string | null;
  role: 'agent' | 'admin';
  password_hash: string;
  capacity: number;
  /** Languages the agent answers in (checked by the database); empty = any. */
  languages: AgentLanguage[];
  presence: Presence;
  active: boolean;
  last_seen_at: Date | null;
  created_at: Date;
}

export type PublicUser = Omit<UserRow, 'password_hash'>;

/** The name shoppers see for an agent: the one they chose for customers, else their full name. */
export const shownName = (user: Pick<UserRow, 'name' | 'display_name'>): string => user.display_name ?? user.name;
/** shownName as an SQL expression over the users row (aliased `alias` when given), for the statements that read it. */
export const shownNameColumn = (sql: Sql | Tx, alias?: string) =>
  alias ? sql`coalesce(${sql(alias)}.display_name, ${sql(alias)}.name)` : sql`coalesce(display_name, name)`;

/**
 * An email address as accounts store it and every lookup compares it: trimmed and in Unicode NFC, so "\u00e9mile@…"
 * (é as one character) and "e\u0301mile@…" (e and a combining accent, as some keyboards and pastes give it) are one
 * address, not two accounts. Case is left to the database's lower() (see emailKey).
 */
export const normalisedEmail = (email: string): string => email.trim().normalize('NFC');

export const usersRepository = (sql: Sql) => ({
  async findByEmail(email: string): Promise<UserRow | undefined> {
    const normal = normalisedEmail(email);
    // An account stored before addresses were normalised keeps the spelling it was typed with: the stored address is
    // normalised here too (Postgres's normalize), so either spelling finds it and no second account can be made for
    // it. Should an older install hold both spellings as two accounts, the one stored in the normalised form wins.
    const [row] = await sql<UserRow[]>`
      select * from users where lower(normalize(email, NFC)) = lower(${normal})
      order by (email = ${normal}) desc, id limit 1`;
    return row;
  },
  /**
   * The address as findByEmail compares it: normalised (normalisedEmail), then lower-cased by Postgres's lower(), not
   * JavaScript's, which differs outside ASCII ("İ" is "i" to the database, "i̇" to JavaScript). Every spelling that finds an account has this one key, so what counts per
   * account (login-throttle.ts) cannot be stepped around by spelling the address another way.
   */
  async emailKey(email: string): Promise<string> {
    const [row] = await sql<{ key: string }[]>`select lower(${normalisedEmail(email)}::text) as key`;
    return row.key;
  },
  async findById(id: number): Promise<PublicUser | undefined> {
    const [row] = await sql<PublicUser[]>`
      select id, email, name, display_name, role, capacity, languages, presence, active, last_seen_at, created_at from users where id = ${id}`;
    return row;
  },
  async create(user: { email: string; name: string; role: 'agent' | 'admin'; passwordHash: string; capacity?: number; languages?: AgentLanguage[] }): Promise<PublicUser> {
    const [row] = await sql<PublicUser[]>`
      insert into users (email, name, role, password_hash, capacity, languages)
      values (${normalisedEmail(user.email)}, ${user.name}, ${user.role}, ${user.passwordHash}, ${user.capacity ?? 5}, ${user.languages ?? []}::text[])
      returning id, email, name, display_name, role, capacity, languages, presence, active, last_seen_at, created_at`;
    return row;
  },
  /**
   * Renames someone: `name` (the full name) and/or `displayName` (shown to shoppers; null clears it). Absent = unchanged.
   * Returns the names now stored, or undefined when there is no such user.
   */
  async rename(id: number, names: { name?: string; displayName?: string | null }): Promise<{ name: string; display_name: string | null } | undefined> {
    const [row] = await sql<{ name: string; display_name: string | null }[]>`
      update users set
        name = coalesce(${names.name ?? null}, name),
        display_name = case when ${names.displayName !== undefined} then ${names.displayName ?? null} else display_name end
      where id = ${id} returning name, display_name`;
    return row;
  },
  /** The name shoppers see for this user (shownName), or undefined when there is no such user. */
  async findShownName(id: number): Promise<string | undefined> {
    const [row] = await sql<{ shown: string }[]>`select ${shownNameColumn(sql)} as shown from users where id = ${id}`;
    return row?.shown;
  },
  async setPresence(id: number, presence: Presence): Promise<void> {
    await sql`update users set presence = ${presence}, last_seen_at = now() where id = ${id}`;
  },
  async listTeam(): Promise<(PublicUser & { open_chats: number; auto_away: boolean; two_step: boolean })[]> {
    return sql<(PublicUser & { open_chats: number; auto_away: boolean; two_step: boolean })[]>`
      select u.id, u.email, u.name, u.display_name, u.role, u.capacity, u.languages, u.presence, u.active, u.last_seen_at, u.created_at,
             (u.presence = 'away' and u.auto_away_minutes is not null) as auto_away,
             exists (select 1 from user_two_step t where t.user_id = u.id and t.enabled_at is not null) as two_step,
             ${seatsTaken(sql, sql`u.id`)} as open_chats
      from users u order by u.name`;
  },
  /** Every active agent and admin, by id and name (who a note can mention). */
  async listActiveNames(): Promise<{ id: number; name: string }[]> {
    return sql<{ id: number; name: string }[]>`select id, name from users where active order by id`;
  },
  /** Active users shown as online or away. */
  async listPresent(): Promise<number[]> {
    return (await sql<{ id: number }[]>`select id from users where active and presence <> 'offline'`).map((r) => r.id);
  },
  async countOnlineAgents(): Promise<number> {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from users where active and presence = 'online' and capacity > 0`;
    return row.n;
  },
});

export const sessionsRepository = (sql: Sql) => ({
  async create(tokenHash: string, userId: number, ttlHours: number): Promise<void> {
    await sql`insert into user_sessions (token_hash, user_id, expires_at)
              values (${tokenHash}, ${userId}, now() + make_interval(hours => ${ttlHours}))`;
  },
  /** The session's person, with whether they must replace an admin-set password (every signed-in request asks). */
  async findUser(tokenHash: string): Promise<(PublicUser & { must_change_password: boolean }) | undefined> {
    const [row] = await sql<(PublicUser & { must_change_password: boolean })[]>`
      select u.id, u.email, u.name, u.display_name, u.role, u.capacity, u.presence, u.active, u.last_seen_at, u.created_at, u.must_change_password
      from user_sessions s join users u on u.id = s.user_id
      where s.token_hash = ${tokenHash} and s.expires_at > now() and u.active`;
    return row;
  },
  async delete(tokenHash: string): Promise<void> {
    await sql`delete from user_sessions where token_hash = ${tokenHash}`;
  },
  async deleteForUser(userId: number): Promise<void> {
    await sql`delete from user_sessions where user_id = ${userId}`;
  },
});
