// Teams (migration 028): who takes which topics. An admin names a team, puts agents in it and gives it intents; a
// chat handed off about one of them is tagged with the team (routing.enqueue) and offered to its members first
// (routing.assignNext). This module keeps the rules of the admin's edits: at most MAX_TEAMS teams, names unique
// whatever their case, members and intents that exist, and an intent in one team only.
import { isUniqueViolation, type Sql } from '../db/client.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { blankName } from './form-refusals.ts';

/** A 3–10 person shop needs a handful; the cap keeps the team page and the intent picker short. */
export const MAX_TEAMS = 20;
export const MAX_TEAM_NAME = 60;

export interface Team {
  id: number;
  name: string;
  memberIds: number[];
  intentIds: number[];
  createdAt: string;
}

export interface TeamInput {
  name?: string;
  memberIds?: number[];
  intentIds?: number[];
}

interface TeamRow { id: number; name: string; member_ids: number[]; intent_ids: number[]; created_at: Date }

function cleanName(name: string): string {
  // Inner runs of spaces would make two names that look the same; trimmed ends are never meant.
  const cleaned = name.replace(/\s+/g, ' ').trim();
  if (!cleaned) throw blankName('A team needs a name.');
  if (cleaned.length > MAX_TEAM_NAME) throw badRequest(`A team name is at most ${MAX_TEAM_NAME} characters.`);
  return cleaned;
}

export function teamsService(sql: Sql) {
  const list = async (where = sql``): Promise<Team[]> => {
    const rows = await sql<TeamRow[]>`
      select t.id, t.name, t.created_at,
             coalesce((select array_agg(m.user_id order by m.user_id) from team_members m where m.team_id = t.id), '{}') as member_ids,
             coalesce((select array_agg(i.intent_id order by i.intent_id) from team_intents i where i.team_id = t.id), '{}') as intent_ids
      from teams t ${where} order by lower(t.name), t.id`;
    return rows.map((r) => ({ id: Number(r.id), name: r.name, memberIds: r.member_ids.map(Number), intentIds: r.intent_ids.map(Number), createdAt: r.created_at.toISOString() }));
  };

  /** Refuses ids that name nobody (or no intent), and intents another team already takes, with the names to fix. */
  async function checkReferences(teamId: number | null, input: TeamInput): Promise<void> {
    if (input.memberIds?.length) {
      const found = await sql<{ id: number }[]>`select id from users where id = any(${input.memberIds}::bigint[])`;
      const unknown = input.memberIds.filter((id) => !found.some((f) => Number(f.id) === id));
      if (unknown.length) throw badRequest(`No team member with id ${unknown.join(', ')}.`, 'unknown_member');
    }
    if (input.intentIds?.length) {
      const found = await sql<{ id: number; name: string; team_id: number | null; team: string | null }[]>`
        select i.id, i.name, ti.team_id, t.name as team from intents i
          left join team_intents ti on ti.intent_id = i.id left join teams t on t.id = ti.team_id
        where i.id = any(${input.intentIds}::bigint[])`;
      const unknown = input.intentIds.filter((id) => !found.some((f) => Number(f.id) === id));
      if (unknown.length) throw badRequest(`No intent with id ${unknown.join(', ')}.`, 'unknown_intent');
      const taken = found.filter((f) => f.team_id !== null && Number(f.team_id) !== teamId);
      if (taken.length) throw conflict(`${taken.map((f) => `The intent ${f.name} already belongs to ${f.team}.`).join(' ')} Remove it there first.`, 'intent_in_other_team');
    }
  }

  /** Writes the name, members and intents given (each replaces what the team had), refusing a clash with a clear message. */
  async function write(teamId: number | null, input: TeamInput): Promise<number> {
    try {
      return await sql.begin(async (tx) => {
        let id = teamId;
        if (id === null) {
          // Counted under a lock on the table, so two admins creating the 20th team at once cannot make 21.
          await tx`lock table teams in share row exclusive mode`;
          const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from teams`;
          if (n >= MAX_TEAMS) throw conflict(`A shop can have at most ${MAX_TEAMS} teams.`, 'teams_full');
          [{ id }] = await tx<{ id: number }[]>`insert into teams (name) values (${input.name!}) returning id`;
        } else if (input.name !== undefined) {
          await tx`update teams set name = ${input.name} where id = ${id}`;
        }
        if (input.memberIds) {
          await tx`delete from team_members where team_id = ${id}`;
          if (input.memberIds.length) await tx`insert into team_members (team_id, user_id) select ${id}, unnest(${input.memberIds}::bigint[])`;
        }
        if (input.intentIds) {
          await tx`delete from team_intents where team_id = ${id}`;
          if (input.intentIds.length) await tx`insert into team_intents (intent_id, team_id) select unnest(${input.intentIds}::bigint[]), ${id}`;
        }
        return Number(id);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'teams_name_idx')) throw conflict(`There is already a team called ${input.name}.`, 'team_name_taken');
      if (isUniqueViolation(error, 'team_intents_pkey')) throw conflict('One of these intents already belongs to another team. Remove it there first.', 'intent_in_other_team');
      // foreign_key_violation: the team, an agent or an intent was deleted between our checks and the write.
      if ((error as { code?: string }).code === '23503') throw conflict('The team, an agent or an intent was just removed. Reload and try again.', 'removed_meanwhile');
      throw error;
    }
  }

  async function one(id: number): Promise<Team> {
    const [team] = await list(sql`where t.id = ${id}`);
    if (!team) throw notFound('Team');
    return team;
  }

  async function nameTaken(name: string, exceptId: number | null): Promise<void> {
    const [clash] = await sql`select 1 from teams where lower(name) = lower(${name}) and id is distinct from ${exceptId}`;
    if (clash) throw conflict(`There is already a team called ${name}.`, 'team_name_taken');
  }

  return {
    list: () => list(),
    one,
    /** Names and ids only: what every agent's console needs for badges and the inbox filter. */
    async names(): Promise<{ id: number; name: string }[]> {
      return (await sql<{ id: number; name: string }[]>`select id, name from teams order by lower(name), id`).map((t) => ({ id: Number(t.id), name: t.name }));
    },
    async create(input: TeamInput & { name: string }): Promise<Team> {
      const clean = { ...input, name: cleanName(input.name) };
      await nameTaken(clean.name, null);
      await checkReferences(null, clean);
      return one(await write(null, clean));
    },
    async update(id: number, input: TeamInput): Promise<{ before: Team; after: Team }> {
      const before = await one(id);
      const clean = { ...input, ...(input.name !== undefined ? { name: cleanName(input.name) } : {}) };
      if (clean.name !== undefined) await nameTaken(clean.name, id);
      await checkReferences(id, clean);
      await write(id, clean);
      return { before, after: await one(id) };
    },
    /** The team's chats lose their tag (on delete set null): they stay where they are, and routing treats them like any other. */
    async remove(id: number): Promise<Team> {
      const team = await one(id);
      await sql`delete from teams where id = ${id}`;
      return team;
    },
  };
}
