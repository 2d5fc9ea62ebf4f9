// Run-time validation of every socket payload. The event maps give types at
// compile time; these schemas refuse what a browser (or anyone) actually sends.
import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { MAX_PAGE_TITLE, MAX_PAGE_URL } from '../services/shopper-page.ts';
import { containsNul, NUL_REFUSAL } from '../plugins/text-guard.ts';
import { Id } from '../http/schemas.ts';
import { MAX_AGENT_PRODUCTS } from '../services/agent-products.ts';
import { BOT_REPLY_PREFIX } from '../repositories/conversations.ts';

const SeenId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/**
 * The prefixes of the client ids the server gives messages itself: a bot reply is keyed to its question (bot-reply:<id>,
 * which also says the question was answered), a shopper's email reply to its Message-ID (email:<hash>, which also
 * says it came by email), a macro's message to its run (macro:<key>:<step>), a chat an agent starts by default
 * (start-<uuid>). A client id is unique within its chat, so a client sending one of these first would take the
 * server's: a shopper sending bot-reply:<their own question> made the bot's answer a duplicate, and the bot silent.
 */
export const SERVER_CLIENT_ID_PREFIXES = [BOT_REPLY_PREFIX, 'email:', 'macro:', 'start-'] as const;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A message's client id, on the socket and on the file-upload and macro routes alike: any the client picks (a UUID)
 * but the server's own (SERVER_CLIENT_ID_PREFIXES).
 */
export const ClientId = Type.String({
  minLength: 1, maxLength: 64, pattern: `^(?!${SERVER_CLIENT_ID_PREFIXES.map(escaped).join('|')})[A-Za-z0-9_:.-]+$`,
});

/** Why a client id the schema refused was refused, when it is for taking a server's prefix (said plainly). */
function reservedClientIdProblem(payload: unknown): string | null {
  const clientId = (payload as { clientId?: unknown } | null)?.clientId;
  const prefix = typeof clientId === 'string' && SERVER_CLIENT_ID_PREFIXES.find((p) => clientId.startsWith(p));
  return prefix ? `clientId: must not start with "${prefix}" (the server's own ids start with ${SERVER_CLIENT_ID_PREFIXES.join(', ')}); send a UUID` : null;
}
// Text is capped again by config.maxMessageChars; this bound stops absurd payloads early.
const Text = Type.String({ minLength: 1, maxLength: 20_000 });

/** A shop page, as the widget reports it (cleaned again by shopperPage on arrival). */
const Page = Type.Object({
  url: Type.String({ minLength: 8, maxLength: MAX_PAGE_URL, pattern: '^https?://' }),
  title: Type.Optional(Type.String({ maxLength: MAX_PAGE_TITLE })),
}, { additionalProperties: false });

/**
 * Products picked for an agent's reply, by SKU. The rest of what a card shows comes from the catalogue on the server:
 * a name, link or price sent along is accepted (a client may echo what the picker listed) and ignored.
 */
const AgentProducts = Type.Array(
  Type.Object({
    sku: Type.String({ minLength: 1, maxLength: 100 }),
    name: Type.Optional(Type.String({ maxLength: 300 })), url: Type.Optional(Type.String({ maxLength: 2000 })), price: Type.Optional(Type.String({ maxLength: 50 })),
  }, { additionalProperties: false }),
  { maxItems: MAX_AGENT_PRODUCTS },
);

const schemas = {
  empty: Type.Object({}, { additionalProperties: false }),
  /** `conversationId`: the chat a resume link brought, shown instead of the newest open one (when it is theirs). */
  currentConversation: Type.Object({ conversationId: Type.Optional(Id) }, { additionalProperties: false }),
  widgetSend: Type.Object(
    { clientId: ClientId, text: Text, conversationId: Type.Optional(Id), writtenIn: Type.Optional(Id), quickReply: Type.Optional(Type.String({ maxLength: 64 })), page: Type.Optional(Page) },
    { additionalProperties: false },
  ),
  page: Page,
  conversationRef: Type.Object({ conversationId: Id }, { additionalProperties: false }),
  typing: Type.Object({ conversationId: Id, typing: Type.Boolean() }, { additionalProperties: false }),
  seen: Type.Object({ conversationId: Id, lastSeenId: SeenId }, { additionalProperties: false }),
  sync: Type.Object({ conversationId: Id, afterId: SeenId }, { additionalProperties: false }),
  csat: Type.Object({ conversationId: Id, rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
  articleFeedback: Type.Object({ messageId: Id, articleId: Id, helpful: Type.Boolean() }, { additionalProperties: false }),
  answerFeedback: Type.Object({ messageId: Id, helpful: Type.Boolean() }, { additionalProperties: false }),
  offline: Type.Object(
    {
      email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      text: Text,
      conversationId: Type.Optional(Id),
    },
    { additionalProperties: false },
  ),
  presence: Type.Object({ presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]) }, { additionalProperties: false }),
  transfer: Type.Object({ conversationId: Id, toAgentId: Id }, { additionalProperties: false }),
  /** A chat nobody holds, to a chosen agent; `overCapacityReason` (admins only) lets it go past their capacity. */
  assign: Type.Object({
    conversationId: Id, toAgentId: Id, overCapacityReason: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
  }, { additionalProperties: false }),
  teamTransfer: Type.Object({ conversationId: Id, teamId: Id }, { additionalProperties: false }),
  // An instant with its zone (the console sends its local choice, "tomorrow 9:00", as one); the range is checked by
  // server/services/snooze.ts, with a message that says what is allowed.
  snooze: Type.Object({
    conversationId: Id,
    until: Type.String({ minLength: 16, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})$' }),
  }, { additionalProperties: false }),
  agentSend: Type.Object({ conversationId: Id, clientId: ClientId, text: Text, private: Type.Optional(Type.Boolean()), products: Type.Optional(AgentProducts) }, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export type PayloadSchemaName = keyof typeof schemas;

const validators = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, Compile(schema)])) as {
  [K in PayloadSchemaName]: ReturnType<typeof Compile<(typeof schemas)[K]>>;
};

/** The first problem with a payload, phrased for the client, or null when it is valid. */
export function payloadProblem(name: PayloadSchemaName, payload: unknown): string | null {
  // Before the schema, for every event alike: Postgres stores no NUL, and one in a batched insert would fail others' rows.
  if (containsNul(payload)) return NUL_REFUSAL;
  const validator = validators[name];
  if (validator.Check(payload)) return null;
  const [first] = validator.Errors(payload);
  if (!first) return 'invalid payload';
  const reserved = first.instancePath === '/clientId' && reservedClientIdProblem(payload);
  if (reserved) return reserved;
  const where = first.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : 'payload';
  return `${where}: ${first.message}`;
}
