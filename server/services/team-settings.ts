// Team-wide settings an admin changes in the console (Team & settings), stored as one JSON row of `settings`
// like the widget's, so a new one needs no migration: when an idle agent is set Away, and how soon a shopper handed
// to a person should have a first reply (the reports and the inbox measure the team against it).
import { Type, type Static } from 'typebox';
import type { Sql } from '../db/client.ts';
import { settingsRow } from './settings-row.ts';

/** Longest idle time an admin can set before an agent is set Away: four hours, longer than any real break. */
export const MAX_AWAY_AFTER_MINUTES = 240;
/** A day: a target longer than that is no target for a chat. */
export const MAX_FIRST_REPLY_TARGET_MINUTES = 1440;

export const TeamSettingsSchema = Type.Object({
  awayAfterMinutes: Type.Integer({
    minimum: 0, maximum: MAX_AWAY_AFTER_MINUTES,
    description: `Set an Online agent Away after this many minutes without activity in any console tab (1–${MAX_AWAY_AFTER_MINUTES}; 0 = never)`,
  }),
  firstReplyTargetMinutes: Type.Integer({
    minimum: 0, maximum: MAX_FIRST_REPLY_TARGET_MINUTES,
    description: `A shopper handed to a person should have a first reply within this many minutes (1–${MAX_FIRST_REPLY_TARGET_MINUTES}; 0 = no target). `
      + 'The reports give the share of hand-offs answered in time; the inbox marks chats waiting longer.',
  }),
}, { additionalProperties: false });
export type TeamSettings = Static<typeof TeamSettingsSchema>;

/** Live chat is expected to answer within minutes: five is a common first target, easy to change. */
export const DEFAULT_TEAM_SETTINGS: TeamSettings = { awayAfterMinutes: 15, firstReplyTargetMinutes: 5 };

const row = settingsRow('team', TeamSettingsSchema, DEFAULT_TEAM_SETTINGS);

export const loadTeamSettings = (sql: Sql): Promise<TeamSettings> => row.load(sql);
export const saveTeamSettings = (sql: Sql, settings: TeamSettings): Promise<void> => row.save(sql, settings);
