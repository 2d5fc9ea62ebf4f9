// Run-time checks of job data. A job is JSON from Redis that any producer
// (or a person with redis-cli) may have written: a malformed one fails at once
// with an UnrecoverableError instead of being retried forever.
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { UnrecoverableError } from 'bullmq';
import { INTERACTION_TYPES, type FeedbackJob, type InteractionJob } from '../server/interaction-events.ts';

/** One job may carry at most this many events (the producer splits larger groups). */
export const MAX_EVENTS_PER_JOB = 500;
/** Bound on one event's payload once serialised; messages are capped far below this by the server. */
const MAX_PAYLOAD_CHARS = 64 * 1024;

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 200 });
// ISO-8601 as produced by Date.toISOString(); Postgres parses it as timestamptz.
const Timestamp = Type.String({ minLength: 10, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:?\\d{2})$' });

const EventSchema = Type.Object({
  idempotencyKey: IdempotencyKey,
  type: Type.Union(INTERACTION_TYPES.map((t) => Type.Literal(t))),
  customerId: Type.Union([Id, Type.Null()]),
  conversationId: Type.Union([Id, Type.Null()]),
  occurredAt: Timestamp,
  payload: Type.Record(Type.String(), Type.Unknown()),
});

const InteractionJobSchema = Type.Object({ events: Type.Array(EventSchema, { minItems: 1, maxItems: MAX_EVENTS_PER_JOB }) });

const FeedbackJobSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('csat'), idempotencyKey: IdempotencyKey, customerId: Id, conversationId: Id,
    rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]), occurredAt: Timestamp,
  }),
  Type.Object({
    kind: Type.Literal('article'), idempotencyKey: IdempotencyKey, customerId: Id, conversationId: Type.Union([Id, Type.Null()]),
    messageId: Id, articleId: Id, helpful: Type.Boolean(), occurredAt: Timestamp,
  }),
  Type.Object({
    kind: Type.Literal('answer'), idempotencyKey: IdempotencyKey, customerId: Id, conversationId: Type.Union([Id, Type.Null()]),
    messageId: Id, intent: Type.String({ minLength: 1, maxLength: 200 }), helpful: Type.Boolean(), occurredAt: Timestamp,
  }),
]);

const interactionJobValidator = Compile(InteractionJobSchema);
const feedbackJobValidator = Compile(FeedbackJobSchema);

function firstProblem(validator: { Errors(value: unknown): Iterable<{ instancePath: string; message: string }> }, data: unknown): string {
  for (const error of validator.Errors(data)) return `${error.instancePath || '(root)'}: ${error.message}`;
  return 'invalid job data';
}

/** Returns the job data typed, or throws UnrecoverableError naming the first problem. */
export function parseInteractionJob(data: unknown): InteractionJob {
  if (!interactionJobValidator.Check(data)) throw new UnrecoverableError(`Malformed interactions job: ${firstProblem(interactionJobValidator, data)}`);
  const job = data as InteractionJob;
  for (const [i, event] of job.events.entries()) {
    if (Number.isNaN(Date.parse(event.occurredAt))) throw new UnrecoverableError(`Malformed interactions job: /events/${i}/occurredAt: not a real date`);
    if (JSON.stringify(event.payload).length > MAX_PAYLOAD_CHARS) throw new UnrecoverableError(`Malformed interactions job: /events/${i}/payload: larger than ${MAX_PAYLOAD_CHARS} characters`);
  }
  return job;
}

export function parseFeedbackJob(data: unknown): FeedbackJob {
  if (!feedbackJobValidator.Check(data)) throw new UnrecoverableError(`Malformed feedback job: ${firstProblem(feedbackJobValidator, data)}`);
  const job = data as FeedbackJob;
  if (Number.isNaN(Date.parse(job.occurredAt))) throw new UnrecoverableError('Malformed feedback job: /occurredAt: not a real date');
  return job;
}
