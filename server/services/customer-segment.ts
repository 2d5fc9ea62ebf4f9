// A customer's segment, computed from their history each time it is asked for
// (no stored label to go stale). The rule that placed them is returned with it,
// so the agent sees why, not just a badge.
import { Type, type Static } from 'typebox';
import type { Sql } from '../db/client.ts';
import { notFound } from '../errors.ts';

export const SEGMENT_RULES = {
  atRiskMaxRating: 2,
  atRiskQuietDays: 60,
  loyalOrders: 3,
  loyalConversations: 5,
  newDays: 30,
};

export const SegmentSchema = Type.Object({
  segment: Type.Union([Type.Literal('new'), Type.Literal('loyal'), Type.Literal('at_risk'), Type.Literal('regular')]),
  rule: Type.Object({ en: Type.String(), zh: Type.String() }),
  facts: Type.Object({
    conversations: Type.Integer(), orders: Type.Integer(), lastRating: Type.Union([Type.Integer(), Type.Null()]),
    daysSinceFirstSeen: Type.Integer(), daysSinceLastSeen: Type.Union([Type.Integer(), Type.Null()]),
  }),
});
export type Segment = Static<typeof SegmentSchema>;

export async function customerSegment(sql: Sql, customerId: number): Promise<Segment> {
  const [row] = await sql<{ conversations: number; orders: number; last_rating: number | null; first_days: number; last_days: number | null }[]>`
    select (select count(*)::int from conversations c where c.customer_id = cu.id) as conversations,
           case when to_regclass('orders') is null then 0
                else (select count(*)::int from orders o where o.customer_id = cu.id
                        or (cu.external_id is not null and o.customer_external_id = cu.external_id)) end as orders,
           (select f.rating from feedback f where f.customer_id = cu.id and f.kind = 'csat' order by f.created_at desc, f.id desc limit 1) as last_rating,
           floor(extract(epoch from now() - cu.first_seen_at) / 86400)::int as first_days,
           floor(extract(epoch from now() - cu.last_seen_at) / 86400)::int as last_days
    from customers cu where cu.id = ${customerId}`;
  if (!row) throw notFound('Customer');
  const facts = { conversations: row.conversations, orders: row.orders, lastRating: row.last_rating, daysSinceFirstSeen: row.first_days, daysSinceLastSeen: row.last_days };
  const r = SEGMENT_RULES;

  if (facts.lastRating !== null && facts.lastRating <= r.atRiskMaxRating) {
    return { segment: 'at_risk', facts, rule: { en: `At risk: last satisfaction rating ${facts.lastRating}/5 (≤ ${r.atRiskMaxRating}).`, zh: `流失风险：最近一次满意度评分 ${facts.lastRating}/5（≤ ${r.atRiskMaxRating}）。` } };
  }
  if (facts.orders > 0 && facts.daysSinceLastSeen !== null && facts.daysSinceLastSeen > r.atRiskQuietDays) {
    return { segment: 'at_risk', facts, rule: { en: `At risk: a buyer not seen for ${plural(facts.daysSinceLastSeen, 'day')} (> ${r.atRiskQuietDays}).`, zh: `流失风险：已购客户 ${facts.daysSinceLastSeen} 天未出现（> ${r.atRiskQuietDays}）。` } };
  }
  if (facts.orders >= r.loyalOrders || facts.conversations >= r.loyalConversations) {
    // Name the rule that applied (both when both did), not a sentence with an "or" in it.
    const byOrders = facts.orders >= r.loyalOrders;
    const byChats = facts.conversations >= r.loyalConversations;
    const en = [byOrders && `${plural(facts.orders, 'order')} (≥ ${r.loyalOrders})`, byChats && `${plural(facts.conversations, 'conversation')} (≥ ${r.loyalConversations})`];
    const zh = [byOrders && `${facts.orders} 个订单（≥ ${r.loyalOrders}）`, byChats && `${facts.conversations} 次会话（≥ ${r.loyalConversations}）`];
    return { segment: 'loyal', facts, rule: { en: `Loyal: ${en.filter(Boolean).join(' and ')}.`, zh: `忠实客户：${zh.filter(Boolean).join('，')}。` } };
  }
  if (facts.daysSinceFirstSeen < r.newDays && facts.orders <= 1) {
    return { segment: 'new', facts, rule: newCustomerRule(facts.daysSinceFirstSeen, facts.orders) };
  }
  return { segment: 'regular', facts, rule: { en: 'Regular: none of the new, loyal or at-risk rules apply.', zh: '普通客户：不符合新客户、忠实客户或流失风险的规则。' } };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The "new" rule in words an agent reads at a glance — "New customer — first seen today, no orders yet." — rather
 * than the rule's arithmetic; the facts (days, orders) show why, the thresholds are in SEGMENT_RULES.
 */
export function newCustomerRule(daysSinceFirstSeen: number, orders: number): { en: string; zh: string } {
  const days = Math.max(0, daysSinceFirstSeen);
  const whenEn = days === 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
  const whenZh = days === 0 ? '今天' : days === 1 ? '昨天' : `${days} 天前`;
  const ordersEn = orders === 0 ? 'no orders yet' : 'one order so far';
  const ordersZh = orders === 0 ? '还没有订单' : '目前有 1 个订单';
  return { en: `New customer — first seen ${whenEn}, ${ordersEn}.`, zh: `新客户 — ${whenZh}首次出现，${ordersZh}。` };
}
