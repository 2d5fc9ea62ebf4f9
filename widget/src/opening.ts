// "We open again tomorrow at 09:00": when the shop next opens, in the shopper's own clock (the server sends the
// instant; the shopper may be in another time zone than the shop).

export type OpeningDay = { kind: 'today' | 'tomorrow' } | { kind: 'weekday'; name: string };

/** The local day and time of `nextOpenAt` as seen at `now`, or null for no (or a bad) instant. */
export function openingWhen(nextOpenAt: string | null | undefined, now: Date, lang: 'en' | 'zh'): { day: OpeningDay; time: string } | null {
  const at = nextOpenAt ? new Date(nextOpenAt) : null;
  if (!at || Number.isNaN(at.getTime()) || at <= now) return null;
  const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((midnight(at) - midnight(now)) / 86_400_000);
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const day: OpeningDay = days === 0 ? { kind: 'today' } : days === 1 ? { kind: 'tomorrow' }
    : { kind: 'weekday', name: new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(at) };
  return { day, time };
}
