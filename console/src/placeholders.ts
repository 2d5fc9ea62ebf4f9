// Canned responses may greet by name: {{customer.first_name}}, {{customer.name}},
// {{customer.email}}, {{agent.name}}, {{agent.first_name}} are filled when the
// response is inserted. A value the chat does not have (an anonymous visitor)
// leaves nothing behind, and the space or comma before it goes too ("Hi {{…}}," →
// "Hi,", "Thanks for chatting with us, {{…}}!" → "…with us!", "感谢您的咨询，{{…}}！" →
// "感谢您的咨询！"), as does the comma after one that opens the reply ("{{…}}, welcome back!" → "Welcome back!"). An
// unknown placeholder stays as written, so a typo is visible.
import { firstName as greetingName } from '../../widget/src/person-name.ts';

export interface PlaceholderValues {
  customer: { name: string | null; email: string | null } | null;
  /** `chosen`: the name the agent chose to show customers ("Dr. Lee", "Support Sam"), theirs to shape: used whole. */
  agent: { name: string; chosen?: boolean };
}

/** "Anna Smith" → "Anna"; a name in Chinese characters is used whole ("王 小明" → "王小明"): widget/src/person-name.ts. */
const firstName = (name: string | null | undefined) => greetingName(name) ?? '';

export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  const known: Record<string, string> = {
    'customer.name': values.customer?.name?.trim() ?? '',
    'customer.first_name': firstName(values.customer?.name),
    'customer.email': values.customer?.email ?? '',
    'agent.name': values.agent.name,
    'agent.first_name': values.agent.chosen ? values.agent.name.trim() : firstName(values.agent.name),
  };
  // A reply that opens with the placeholder sets it off with the comma after it ("{{…}}, welcome back!"): an empty
  // value takes that comma too, and the sentence then starts with a capital ("Welcome back!").
  const opened = text.replace(/(^|\n)\{\{\s*([a-z_.]+)\s*\}\}(?:, ?|， ?)(\p{Ll})?/gu, (whole, start: string, key: string, next?: string) =>
    (key in known && !known[key] ? `${start}${next?.toUpperCase() ?? ''}` : whole));
  // `before`: the comma (ASCII, or the full-width "，" of Chinese replies) or space that sets the placeholder off
  // from the words before it; it belongs to the value, so it goes when the value is empty.
  return opened.replace(/(， ?|, ?| ?)\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, before: string, key: string) => {
    if (!(key in known)) return whole;
    return known[key] ? `${before}${known[key]}` : '';
  });
}
