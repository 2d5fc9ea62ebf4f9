// A team member's names: the full name colleagues see in the console, and optionally a shorter one shown to
// shoppers (a first name, a nickname; users.display_name, migration 044). Each person edits their own from the
// Account panel (PATCH /api/auth/me), an admin anyone's from the team page (PATCH /api/admin/team/:id); both go
// through here, so the rules and the live update are the same.
import { Type } from 'typebox';
import type { Sql } from '../db/client.ts';
import type { RealtimeOut } from './realtime-out.ts';
import { usersRepository } from '../repositories/users.ts';
import { badRequest, notFound } from '../errors.ts';
import { MAX_NAME_CHARS, MAX_SHOWN_NAME_CHARS, nameProblem } from './agent-name-rules.ts';

// The schemas cap the size only (surrounding spaces are trimmed first); cleanNames words each refusal.
export const FullNameInput = Type.String({ maxLength: 200, description: `The full name colleagues see: ${MAX_NAME_CHARS} characters at most once trimmed, no control characters` });
export const ShownNameInput = Type.Union([Type.String({ maxLength: 200 }), Type.Null()], {
  description: `The name shown to shoppers (a first name, a nickname): ${MAX_SHOWN_NAME_CHARS} characters at most; empty or null = the full name`,
});

const REFUSALS: Record<string, string> = {
  name_empty: 'The name cannot be empty.',
  name_too_long: `The name can be at most ${MAX_NAME_CHARS} characters.`,
  name_invalid: 'The name cannot contain line breaks or other control characters.',
  display_name_too_long: `The name shown to customers can be at most ${MAX_SHOWN_NAME_CHARS} characters.`,
  display_name_invalid: 'The name shown to customers cannot contain line breaks or other control characters.',
};

/**
 * The names as stored: trimmed, an empty shown name meaning none. Refuses what breaks the rules, in one sentence. A full
 * name sent unchanged (`storedName`) is not checked again: someone named before today's rules (up to 120 characters)
 * can still set a shown name or be given a role.
 */
export function cleanNames(input: { name?: string; displayName?: string | null }, storedName?: string): { name?: string; displayName?: string | null } {
  const nameChanged = input.name !== undefined && input.name.trim() !== storedName;
  const problem = (nameChanged ? nameProblem('full', input.name!) : null)
    ?? (input.displayName ? nameProblem('shown', input.displayName) : null);
  if (problem) throw badRequest(REFUSALS[problem], problem);
  return {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.displayName !== undefined ? { displayName: input.displayName?.trim() || null } : {}),
  };
}

/**
 * Stores someone's new names and tells every console (agent:renamed). What an agent says from now on carries the new
 * shown name; a shopper's history read again names their earlier lines by it too (services/shopper-agent-names.ts).
 */
export async function renameMember(deps: { sql: Sql; realtime: RealtimeOut }, userId: number, names: { name?: string; displayName?: string | null }) {
  const stored = await usersRepository(deps.sql).rename(userId, names);
  if (!stored) throw notFound('Team member');
  deps.realtime.toAgents('agent:renamed', { agentId: userId, name: stored.name, displayName: stored.display_name });
  return stored;
}
