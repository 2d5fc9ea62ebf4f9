// The order-status action: finds an order number in the shopper's message and
// answers status and ETA, but only from the identified shopper's own orders.
// Someone else's order gets the same reply as a missing one, so guessing
// numbers reveals nothing.
import type { Locale, OrderLookup, OrderRecord, ShopperIdentity } from './types.ts';
import { DEFAULT_ORDER_NUMBER_FORMAT, findOrderNumber } from './order-numbers.ts';

const STATUS_TEXT: Record<string, Record<Locale, string>> = {
  pending: { en: 'waiting for payment', zh: '待付款' },
  paid: { en: 'paid and waiting to be packed', zh: '已付款，等待备货' },
  processing: { en: 'being packed in our warehouse', zh: '仓库正在备货' },
  shipped: { en: 'shipped', zh: '已发货' },
  in_transit: { en: 'on its way', zh: '运输途中' },
  delivered: { en: 'delivered', zh: '已送达' },
  cancelled: { en: 'cancelled', zh: '已取消' },
  returned: { en: 'returned', zh: '已退货' },
};

const day = (d: Date, locale: Locale) =>
  locale === 'zh' ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日` : d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

const DAY_MS = 86_400_000;
const FINISHED = new Set(['delivered', 'cancelled', 'returned']);

/** Still on its way after the whole of the last day it was due (ETAs are calendar days, UTC). */
export function isLate(order: OrderRecord, now: Date): boolean {
  const due = order.etaTo ?? order.etaFrom;
  return !!due && !FINISHED.has(order.status) && due.getTime() + DAY_MS <= now.getTime();
}

function etaRange(order: OrderRecord, locale: Locale): string {
  const to = order.etaTo && order.etaTo.getTime() !== order.etaFrom!.getTime() ? order.etaTo : null;
  return `${day(order.etaFrom!, locale)}${to ? `${locale === 'zh' ? '至' : '–'}${day(to, locale)}` : ''}`;
}

export function describeOrder(order: OrderRecord, locale: Locale, now = new Date()): string {
  const status = STATUS_TEXT[order.status]?.[locale] ?? order.status;
  const parts: string[] = [];
  const hasEta = !!order.etaFrom && !FINISHED.has(order.status);
  if (locale === 'zh') {
    parts.push(`订单 ${order.number}：${status}。`);
    if (order.status === 'delivered' && order.deliveredAt) parts.push(`已于${day(order.deliveredAt, 'zh')}送达。`);
    else if (hasEta && isLate(order, now)) parts.push(`原定${etaRange(order, 'zh')}送达，目前已延误。`);
    else if (hasEta) parts.push(`预计送达：${etaRange(order, 'zh')}。`);
    if (order.carrier && order.trackingNumber) parts.push(`承运商 ${order.carrier}，运单号 ${order.trackingNumber}。`);
    return parts.join('');
  }
  parts.push(`Order ${order.number} is ${status}.`);
  if (order.status === 'delivered' && order.deliveredAt) parts.push(`It was delivered on ${day(order.deliveredAt, 'en')}.`);
  else if (hasEta && isLate(order, now)) parts.push(`It was due ${etaRange(order, 'en')}, so it is running late.`);
  else if (hasEta) parts.push(`Estimated delivery: ${etaRange(order, 'en')}.`);
  if (order.carrier && order.trackingNumber) parts.push(`Carrier: ${order.carrier}, tracking number ${order.trackingNumber}.`);
  return parts.join(' ');
}

export type OrderStatusOutcome = 'found' | 'late' | 'recent' | 'verify' | 'not_found' | 'ask_number' | 'unavailable';

export interface OrderStatusReply {
  outcome: OrderStatusOutcome;
  reply: string;
  orderNumber: string | null;
}

const TEXT = {
  verify: {
    en: 'To protect your privacy I can only look up orders for signed-in customers. Please log in to your account on our site and ask me again.',
    zh: '为了保护您的隐私，我只能为已登录的顾客查询订单。请先登录您的账户，然后再问我一次。',
  },
  notFound: {
    en: (n: string, example: string) => `I couldn't find order ${n} on your account. Please check the number (it looks like ${example} and is in your confirmation email).`,
    zh: (n: string, example: string) => `在您的账户下没有找到订单 ${n}。请核对订单号（格式如 ${example}，可在确认邮件中找到）。`,
  },
  askNumber: {
    en: (example: string) => `Which order do you mean? Please send me the order number (it looks like ${example}).`,
    zh: (example: string) => `请问是哪个订单？请发给我订单号（格式如 ${example}）。`,
  },
  recent: { en: 'Here are your latest orders:', zh: '这是您最近的订单：' },
  late: {
    en: "I'm sorry it is taking longer than we said. A person from our team can check with the carrier for you.",
    zh: '抱歉让您久等了。我们的客服可以为您向承运商核实情况。',
  },
  unavailable: {
    en: "I can't look up orders right now. A person from our team can help.",
    zh: '暂时无法查询订单，可以为您转接人工客服。',
  },
};

/** Answers an order question for this shopper; never reveals an order that is not theirs. */
export async function orderStatus(
  orders: OrderLookup | null, shopper: ShopperIdentity, text: string, locale: Locale, now = new Date(),
): Promise<OrderStatusReply> {
  const format = orders?.numberFormat ?? DEFAULT_ORDER_NUMBER_FORMAT;
  const found = findOrderNumber(text, format);
  const orderNumber = found?.shown ?? null;
  if (!orders) return { outcome: 'unavailable', reply: TEXT.unavailable[locale], orderNumber };
  if (!shopper.externalId) return { outcome: 'verify', reply: TEXT.verify[locale], orderNumber };
  if (!found) {
    const recent = await orders.recentFor(shopper.externalId, 3);
    if (!recent.length) return { outcome: 'ask_number', reply: TEXT.askNumber[locale](format.example), orderNumber };
    const list = [TEXT.recent[locale], ...recent.map((o) => `• ${describeOrder(o, locale, now)}`)].join('\n');
    // One of them late: the same apology and offer of a person as when it is asked about by number.
    const late = recent.find((o) => isLate(o, now));
    if (late) return { outcome: 'late', reply: `${list}\n\n${TEXT.late[locale]}`, orderNumber: late.number };
    return { outcome: 'recent', reply: list, orderNumber };
  }
  // Digits without their prefix ("order 100234") are looked for among the shopper's own orders only.
  const order = found.partial ? await orders.ownEndingWith(shopper.externalId, found.key) : await orders.byKey(found.key);
  if (!order || order.customerExternalId !== shopper.externalId) {
    return { outcome: 'not_found', reply: TEXT.notFound[locale](found.shown, format.example), orderNumber };
  }
  // A late order is the moment a shopper wants a person: say so and offer one.
  if (isLate(order, now)) return { outcome: 'late', reply: `${describeOrder(order, locale, now)}\n\n${TEXT.late[locale]}`, orderNumber: order.number };
  return { outcome: 'found', reply: describeOrder(order, locale, now), orderNumber: order.number };
}
