// Test data for the worker tests: real customer and conversation rows, events
// shaped as the server enqueues them (1–3 per job), and the counters those
// events must produce.
import type { Sql } from '../../server/db/client.ts';
import type { InteractionEvent, InteractionType } from '../../server/interaction-events.ts';

export interface Shopper {
  customerId: number;
  conversationId: number;
}

export async function createShoppers(sql: Sql, count: number): Promise<Shopper[]> {
  const customers = await sql<{ id: number }[]>`
    insert into customers (name) select 'Shopper ' || g from generate_series(1, ${count}) g returning id`;
  const shoppers: Shopper[] = [];
  for (const { id } of customers) {
    const [conversation] = await sql<{ id: number }[]>`insert into conversations (customer_id) values (${id}) returning id`;
    shoppers.push({ customerId: id, conversationId: conversation.id });
  }
  return shoppers;
}

export function interactionEvent(type: InteractionType, key: string, shopper: Shopper, at: Date, payload: Record<string, unknown> = {}): InteractionEvent {
  return { idempotencyKey: key, type, customerId: shopper.customerId, conversationId: shopper.conversationId, occurredAt: at.toISOString(), payload };
}

/**
 * Jobs as the chat produces them: each shopper's conversation starts (job of
 * 2: started + first message), then single messages and bot/agent triples.
 */
export function chatJobs(shoppers: readonly Shopper[], totalEvents: number, keyPrefix = 'e'): InteractionEvent[][] {
  const jobs: InteractionEvent[][] = [];
  const base = Date.parse('2026-01-01T00:00:00Z');
  let n = 0;
  const next = (type: InteractionType, shopper: Shopper) => {
    n += 1;
    return interactionEvent(type, `${keyPrefix}:${n}`, shopper, new Date(base + n * 1000), { seq: n });
  };
  for (const shopper of shoppers) {
    if (n + 2 > totalEvents) break;
    jobs.push([next('conversation.started', shopper), next('message.customer', shopper)]);
  }
  let i = 0;
  while (n < totalEvents) {
    const shopper = shoppers[i++ % shoppers.length];
    const left = totalEvents - n;
    if (i % 3 === 0 && left >= 3) jobs.push([next('message.bot', shopper), next('bot.decision', shopper), next('handoff', shopper)]);
    else if (i % 3 === 1) jobs.push([next('message.customer', shopper)]);
    else jobs.push([next(left >= 2 ? 'message.agent' : 'note.agent', shopper), ...(left >= 2 ? [next('note.agent', shopper)] : [])]);
  }
  return jobs;
}

export interface Counters {
  conversations_count: number;
  messages_count: number;
  last_seen_at: string | null;
}

/** The counters the worker must produce from these events (each key counted once). */
export function expectedCounters(events: readonly InteractionEvent[]): Map<number, Counters> {
  const seen = new Set<string>();
  const result = new Map<number, Counters>();
  for (const e of events) {
    if (seen.has(e.idempotencyKey) || e.customerId === null) continue;
    seen.add(e.idempotencyKey);
    const c = result.get(e.customerId) ?? { conversations_count: 0, messages_count: 0, last_seen_at: null };
    if (e.type === 'conversation.started') c.conversations_count += 1;
    if (e.type.startsWith('message.')) c.messages_count += 1;
    if (['conversation.started', 'message.customer', 'rating', 'offline.message'].includes(e.type) && (c.last_seen_at === null || e.occurredAt > c.last_seen_at)) {
      c.last_seen_at = e.occurredAt;
    }
    result.set(e.customerId, c);
  }
  return result;
}

export async function actualCounters(sql: Sql, customerIds: readonly number[]): Promise<Map<number, Counters>> {
  const rows = await sql<({ id: number } & Omit<Counters, 'last_seen_at'> & { last_seen_at: Date | null })[]>`
    select id, conversations_count, messages_count, last_seen_at from customers where id = any(${customerIds as number[]}::bigint[])`;
  return new Map(rows.map((r) => [r.id, { conversations_count: r.conversations_count, messages_count: r.messages_count, last_seen_at: r.last_seen_at?.toISOString() ?? null }]));
}

/** Polls until check() returns true; fails with the description after the timeout (no fixed sleeps as assertions). */
export async function waitUntil(description: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function countEvents(sql: Sql): Promise<number> {
  const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from interaction_events`;
  return count;
}
