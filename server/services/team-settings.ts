// Team-wide settings an admin changes in the console (Team & settings), stored as one JSON row of `settings`
// like the widget's, so a new one needs no migration. For now: when an idle agent is set Away.
import { Type, type Static } from 'typebox';
import type { Sql } from '../db/client.ts';
import { settingsRow } from './settings-row.ts';

/** Longest idle time an admin can set before an agent is set Away: four hours, longer than any real break. */
export const MAX_AWAY_AFTER_MINUTES = 240;

export const TeamSettingsSchema = Type.Object({
  awayAfterMinutes: Type.Integer({
    minimum: 0, maximum: MAX_AWAY_AFTER_MINUTES,
    description: `Set an Online agent Away after this many minutes without activity in any console tab (1–${MAX_AWAY_AFTER_MINUTES}; 0 = never)`,
  }),
}, { additionalProperties: false });
export type TeamSettings = Static<typeof TeamSettingsSchema>;

export const DEFAULT_TEAM_SETTINGS: TeamSettings = { awayAfterMinutes: 15 };

const row = settingsRow('team', TeamSettingsSchema, DEFAULT_TEAM_SETTINGS);

export const loadTeamSettings = (sql: Sql): Promise<TeamSettings> => row.load(sql);
export const saveTeamSettings = (sql: Sql, settings: TeamSettings): Promise<void> => row.save(sql, settings);
