// Intents the answer policy knows by name, because each does more than answer from its examples: a shop that
// renamed one would silently lose that. The admin API keeps their names; the console says what deleting one ends.
export const SPECIAL_INTENTS = {
  /** "Get me a person": hands the chat off even when the intent has no action. */
  human_agent: 'person',
  /** An upset shopper: handed off with an apology, also when the classifier only leans to it. */
  complaint: 'complaint',
  /** Answers a message that only greets ("hello?"), whatever its few words resemble; a second one in a row hands off. */
  greeting: 'greeting',
  /** Items that arrived broken: a fault that showed on arrival is this intent's. */
  damaged_item: 'damaged',
  /** Faults that showed later: the warranty's; "broken" with no word of when asks which of the two. */
  warranty_claim: 'warranty',
} as const;

export type SpecialIntentName = keyof typeof SPECIAL_INTENTS;
export type SpecialIntentRole = (typeof SPECIAL_INTENTS)[SpecialIntentName];

export function specialRoleOf(name: string): SpecialIntentRole | null {
  return Object.prototype.hasOwnProperty.call(SPECIAL_INTENTS, name) ? SPECIAL_INTENTS[name as SpecialIntentName] : null;
}
