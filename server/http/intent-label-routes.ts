// The intents' names and labels for every console user: the console shows an intent by its label (the quick-reply
// text shoppers see) rather than its snake_case name, in chats, reports and rules, and agents may not read
// /api/admin/intents. Only names and labels: the examples and answers stay admin-only. Consoles reload this list when
// they hear `intents:changed` (admin-kb-routes.ts).
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Nullable } from './schemas.ts';
import { traditionalConverter } from '../services/chinese-script.ts';

const IntentLabels = Type.Object({
  items: Type.Array(Type.Object({
    name: Type.String(),
    label: Type.Object({ en: Nullable(Type.String()), zh: Nullable(Type.String()) }, { description: 'The quick-reply text per language; null when the intent has none in that language' }),
  })),
});

/** A stored label as the console gets it: blank ones are none, so the console falls back to the other language. */
const labelText = (text: string | undefined) => (text?.trim() ? text.trim() : null);

export default function intentLabelRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/api/intents/labels', {
      onRequest: app.requireAgent, // before validation: who is not signed in learns nothing from a 400
      schema: {
        tags: ['agent'], summary: 'Every intent\'s name and its labels (en, zh), for showing intents by their labels',
        description: 'Sorted by name. With script, the Chinese labels come in that Traditional script (admins may write them in either).',
        querystring: Type.Object({
          script: Type.Optional(Type.Union([Type.Literal('zh-TW'), Type.Literal('zh-HK')], {
            description: "A console reading Traditional Chinese (Taiwan's or Hong Kong's): the Chinese labels come converted",
          })),
        }, { additionalProperties: false }),
        response: { 200: IntentLabels, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request) => {
      const rows = await ctx.sql<{ name: string; label: { en?: string; zh?: string } | null }[]>`select name, label from intents order by name`;
      const { script } = request.query;
      const convert = script ? await traditionalConverter(script) : (text: string) => text;
      return {
        items: rows.map((row) => {
          const zh = labelText(row.label?.zh);
          return { name: row.name, label: { en: labelText(row.label?.en), zh: zh === null ? null : convert(zh) } };
        }),
      };
    });
  };
}
