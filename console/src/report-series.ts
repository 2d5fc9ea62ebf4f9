// How the reports' overview splits the range's chats into kinds, each kind with one name and one colour wherever it
// is drawn: the doughnut of containment and the chart of chats per day. They disagreed on the chats sent straight to
// a person ("Who answers first", a reply to the team's email): a slice of their own in the doughnut, inside the
// orange "Handed off" bars per day, so the bar read 4 where the slice read 3.
import { t } from './i18n.ts';

/** One day of the chart (console-reports.ts conversationsPerDay): `handedOff` without `peopleFirst`, as the doughnut. */
export interface ChatsOfADay { day: string; total: number; handedOff: number; peopleFirst: number; takenOver: number }

/** The doughnut's figures (console-reports.ts containment). */
export interface ContainmentSplit { botResolved: number; handedOff: number; withBot: number; closedByTeam: number; peopleFirst: number; takenOver: number }

export interface Series { label: string; data: number[]; backgroundColor: string }

/** The kinds both charts draw, so a kind is named and coloured once. */
const KIND = {
  handedOff: { label: () => t('reports.handedOff'), colour: '#f59e0b' },
  peopleFirst: { label: () => t('reports.peopleFirst'), colour: '#fb923c' },
};

/**
 * The stacked bars of each day: the bot alone (what is left), the bot's hand-offs, the chats sent straight to a
 * person, and those the team took over without a hand-off.
 */
export function perDaySeries(days: ChatsOfADay[]): Series[] {
  return [
    { label: t('reports.botOnly'), data: days.map((d) => d.total - d.handedOff - d.peopleFirst - d.takenOver), backgroundColor: '#60a5fa' },
    { label: KIND.handedOff.label(), data: days.map((d) => d.handedOff), backgroundColor: KIND.handedOff.colour },
    { label: KIND.peopleFirst.label(), data: days.map((d) => d.peopleFirst), backgroundColor: KIND.peopleFirst.colour },
    // Purple here, dark orange in the doughnut: a third orange stacked on two would not tell apart from them.
    { label: t('reports.takenOver'), data: days.map((d) => d.takenOver), backgroundColor: '#a78bfa' },
  ];
}

/**
 * Every chat of the range once: "straight to a person" are those the bot was never asked ("Who answers first", a
 * reply to the team's email); "taken over" those a person took from it without a hand-off.
 */
export function containmentSlices(c: ContainmentSplit): { labels: string[]; data: number[]; colours: string[] } {
  const slices: [string, number, string][] = [
    [t('reports.botResolved'), c.botResolved, '#22c55e'],
    [KIND.handedOff.label(), c.handedOff, KIND.handedOff.colour],
    [t('reports.withBot'), c.withBot, '#cbd5e1'],
    [t('reports.closedByTeam'), c.closedByTeam, '#94a3b8'],
    [KIND.peopleFirst.label(), c.peopleFirst, KIND.peopleFirst.colour],
    [t('reports.takenOver'), c.takenOver, '#d97706'],
  ];
  return { labels: slices.map((s) => s[0]), data: slices.map((s) => s[1]), colours: slices.map((s) => s[2]) };
}
