// Conversation labels: what agents may type, one spelling of each, and an
// admin's rename or removal across every conversation.
import { badRequest, worded } from '../errors.ts';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import { withinTimeLimit } from './time-limit.ts';
import { relabelReferences, type LabelReferencesChanged } from './label-references.ts';

export const MAX_LABELS = 10;
export const MAX_LABEL_LENGTH = 32;
// Letters and digits of any script, with spaces, hyphens and underscores between them.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N} _-]*[\p{L}\p{N}])?$/u;

/** A label as stored: trimmed, inner spaces collapsed, lower-cased (so "Refund" and "refund " are one label in the filter and the reports). */
export const labelKey = (raw: string) => raw.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');

/** Labels as stored (`labelKey`), duplicates dropped, in the order given. Throws a 400 naming the bad label. */
export function normaliseLabels(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of labels) {
    const label = labelKey(raw);
    if (!LABEL.test(label) || label.length > MAX_LABEL_LENGTH) {
      throw worded(badRequest(`Label "${raw.slice(0, 40)}" is not allowed: use 1–${MAX_LABEL_LENGTH} letters or digits, with spaces, "-" or "_" between them`),
        'label_not_allowed', { label: raw.slice(0, 40), n: String(MAX_LABEL_LENGTH) });
    }
    if (!out.includes(label)) out.push(label);
  }
  return out;
}

/**
 * Changes to labels take this advisory lock: shared by one conversation's edit, exclusive by a change everywhere.
 * A rename's single UPDATE would otherwise miss a conversation that an edit gave the old label meanwhile (the
 * statement only re-checks rows that matched when it began), and two renames at once could deadlock.
 */
export const LABELS_LOCK = 4_207_412; // arbitrary constant: "shopdesk conversation labels"

export function lockLabelsForOneConversation(tx: Sql): Promise<unknown> {
  return tx`select pg_advisory_xact_lock_shared(${LABELS_LOCK})`;
}

/** What a change everywhere touched: how many conversations, and the macros, rules and views that name the label. */
export interface LabelChangedEverywhere { conversations: number; references: LabelReferencesChanged }

/**
 * Renames a label on every conversation that has it. A conversation that already had the new name keeps it once,
 * where it stood. Macros, automation rules and saved views naming it are renamed in the same transaction
 * (label-references.ts), so none puts the old name back.
 */
export async function renameLabelEverywhere(sql: Sql, from: string, to: string): Promise<LabelChangedEverywhere> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LABELS_LOCK})`;
    const rows = await tx`
      update conversations set updated_at = now(), labels = array(
        select label from unnest(array_replace(labels, ${from}, ${to})) with ordinality as kept(label, position)
        group by label order by min(position))
      where labels @> array[${from}]::text[]`;
    return { conversations: rows.count, references: await relabelReferences(tx, from, to) };
  });
}

/** Takes a label off every conversation, and out of the macros, rules and views that name it (label-references.ts). */
export async function removeLabelEverywhere(sql: Sql, label: string): Promise<LabelChangedEverywhere> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LABELS_LOCK})`;
    const rows = await tx`update conversations set labels = array_remove(labels, ${label}), updated_at = now() where labels @> array[${label}]::text[]`;
    return { conversations: rows.count, references: await relabelReferences(tx, label, null) };
  });
}

/** Whether a change everywhere found the label anywhere at all. */
export const labelFound = ({ conversations, references }: LabelChangedEverywhere) =>
  conversations > 0 || references.rules > 0 || references.macros.count > 0 || references.views.count > 0;

/** For the audit: how many macros, rules and views changed too, when any did. */
export const referencesChanged = ({ references }: LabelChangedEverywhere) =>
  references.rules || references.macros.count || references.views.count
    ? { macros: references.macros.count, rules: references.rules, views: references.views.count }
    : {};

export interface LabelInUse { label: string; conversations: number }

/** How long a server reuses its count of the labels in use before it counts again. */
export const LABELS_IN_USE_TTL_MS = 30_000;

/**
 * A counter in Redis that every change to any conversation's labels bumps (after it is stored), on whichever server
 * it was made. Each server stamps its labels-in-use count with the value it read before counting and counts again
 * once the value differs, so a label just added (by an agent, a macro, a bulk action) is suggested at once by every
 * server, without a subscription connection or a window in which another server has not heard yet.
 */
export interface LabelsGeneration {
  current(): Promise<string | null>;
  bump(): Promise<void>;
}

/** How long the counter's read or bump waits for Redis (away: the count goes by its TTL, the change is kept). */
const GENERATION_WAIT_MS = 250;

export function labelsGeneration(redis: Redis, config: Pick<Config, 'redisPrefix'>): LabelsGeneration {
  const key = prefixed(config, 'labels:generation');
  return {
    current: () => withinTimeLimit(redis.get(key), GENERATION_WAIT_MS, 'labels generation: Redis did not answer'),
    bump: async () => { await withinTimeLimit(redis.incr(key), GENERATION_WAIT_MS, 'labels generation: Redis did not answer'); },
  };
}

/**
 * Tells every server's labels-in-use count that labels changed. The change is stored already, so a Redis failure is
 * only logged: the counts then catch up within their TTL.
 */
export async function labelsChanged(ctx: { redis: Redis; config: Pick<Config, 'redisPrefix'>; log: FastifyBaseLogger }): Promise<void> {
  await labelsGeneration(ctx.redis, ctx.config).bump().catch((err: unknown) => ctx.log.warn({ err }, 'labels in use: other servers not told of a change'));
}

/**
 * The labels in use, most used first. Counting them reads every labelled conversation (about 0.3 s at 150,000
 * labelled ones here) and every console asks on each inbox load and each chat it opens, so one server counts at most
 * once per `LABELS_IN_USE_TTL_MS`, callers in the meantime sharing the count (or the count in progress). With a
 * `generation` (the routes pass one), a change to labels on any server makes the next caller count again at once;
 * while Redis does not answer, and without one, a change made elsewhere shows within the TTL (`invalidate` drops
 * this server's count at once) — these are suggestions and filter options, not a record.
 */
export function labelsInUse(sql: Sql, ttlMs = LABELS_IN_USE_TTL_MS, generation?: LabelsGeneration) {
  let cached: { at: number; generation: string | null | undefined; items: Promise<LabelInUse[]> } | null = null;
  const count = () => sql<LabelInUse[]>`
    select label, count(*)::int as conversations from conversations, unnest(labels) as label
    where cardinality(labels) > 0
    group by label order by count(*) desc, label limit 200`.then((rows) => [...rows]);
  /** The count, again if it is older than the TTL or than `seen` (undefined: the generation is not known). */
  const countedAt = (seen: string | null | undefined): Promise<LabelInUse[]> => {
    const outdated = !cached || Date.now() - cached.at > ttlMs || (seen !== undefined && seen !== cached.generation);
    if (outdated) {
      const entry = { at: Date.now(), generation: seen, items: count() };
      // A failed count is not kept: the next caller tries again.
      entry.items.catch(() => { if (cached === entry) cached = null; });
      cached = entry;
    }
    return cached!.items;
  };
  return {
    get(): Promise<LabelInUse[]> {
      if (!generation) return countedAt(undefined);
      return generation.current().then(countedAt, () => countedAt(undefined));
    },
    /** Drops this server's count (other servers hear of a change through `labelsChanged`). */
    invalidate(): void { cached = null; },
  };
}
