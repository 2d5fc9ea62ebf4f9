// "We usually reply in about 5 min": what the widget tells a shopper before they ask for a person, from how long the
// team actually took to answer hand-offs lately. A shopper who knows the wait stays for it (or leaves a message)
// instead of giving up after a minute of silence; a number from the team's own record is one nobody has to keep up.
import type { Sql } from '../db/client.ts';
import { reportedHandoff } from './console-reports.ts';

/** The recent past the figure is taken from: two weeks smooth out a quiet weekend without going stale. */
const WINDOW_DAYS = 14;
/** Fewer answered hand-offs than this say nothing about the team: no figure is shown. */
const MIN_SAMPLES = 5;
/** Every widget page load asks; the figure moves slowly, so each server reads it at most this often. */
const CACHE_MS = 5 * 60_000;

/**
 * The median first-reply time (seconds) of the hand-offs of the last two weeks that got one, or null with too few. The
 * reports' first response, measure and population alike (`first_response_seconds` of `reportedHandoff`: from the
 * hand-off to the first agent reply): a chat an agent took straight from the bot is not a hand-off, and its
 * first_response_seconds, run from the chat's start, would add the bot's conversation to the promised wait.
 * Read through conversations_created_idx (026): the two weeks' chats, filtered, once per CACHE_MS per server.
 */
export async function typicalFirstReplySeconds(sql: Sql): Promise<number | null> {
  const [row] = await sql<{ median: number | null; samples: number }[]>`
    select percentile_cont(0.5) within group (order by c.first_response_seconds) as median, count(c.first_response_seconds)::int as samples
    from conversations c
    where c.created_at >= now() - make_interval(days => ${WINDOW_DAYS}) and ${reportedHandoff(sql)} and c.first_response_seconds is not null`;
  return row && row.samples >= MIN_SAMPLES && row.median !== null ? Math.round(row.median) : null;
}

/** typicalFirstReplySeconds, read at most every five minutes per server. */
export function cachedReplyExpectation(sql: Sql, cacheMs = CACHE_MS) {
  let cached: { value: number | null; at: number } | null = null;
  let pending: Promise<number | null> | null = null;
  return async (): Promise<number | null> => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.value;
    pending ??= typicalFirstReplySeconds(sql)
      .then((value) => { cached = { value, at: Date.now() }; return value; })
      .finally(() => { pending = null; });
    return pending;
  };
}
