// Automatic Away: an agent who left a console open and walked away would stay Online and keep being given chats
// nobody answers. Consoles report their agent's activity (presence:activity) and the gateway records actions that
// reach it (routing.recordActivity); a sweep on every server sets Away each Online agent idle longer than the team
// setting and tells every console, as any presence change. All state is in Postgres, so any server may run it.
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import { routingRepository } from '../repositories/routing.ts';
import type { RealtimeOut } from './realtime-out.ts';
import { loadTeamSettings } from './team-settings.ts';

/**
 * How often each server looks for idle agents: every half "minute" of the setting (30 s in production), so an
 * agent is set Away at most half a minute late. Tests shorten the unit (config.autoAwayUnitSeconds).
 */
export const autoAwaySweepMs = (config: Pick<Config, 'autoAwayUnitSeconds'>) => config.autoAwayUnitSeconds * 500;

/**
 * Longest a console socket goes without writing its activity when it keeps acting (a quarter unit: 15 s): an agent
 * sending many messages costs one write per quarter minute, and the idle clock is never more than that behind.
 */
export const activityWriteMs = (config: Pick<Config, 'autoAwayUnitSeconds'>) => config.autoAwayUnitSeconds * 250;

export function createAutoAway(deps: { config: Config; sql: Sql; realtime: RealtimeOut }) {
  const routing = routingRepository(deps.sql);
  return {
    /** Sets the idle Online agents Away and announces each; returns their ids (none when the setting is 0). */
    async sweep(): Promise<number[]> {
      const { awayAfterMinutes } = await loadTeamSettings(deps.sql);
      if (awayAfterMinutes === 0) return [];
      const idle = await routing.setIdleAgentsAway(awayAfterMinutes, deps.config.autoAwayUnitSeconds);
      for (const agentId of idle) deps.realtime.toAgents('presence:updated', { agentId, presence: 'away', autoAwayMinutes: awayAfterMinutes });
      return idle;
    },
  };
}
