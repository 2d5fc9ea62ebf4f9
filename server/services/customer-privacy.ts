// Privacy requests for one customer: export everything we hold about them, or
// delete them (profile blanked, their conversations' messages anonymised,
// history removed). Both are written to the audit log with who did it.
import type { Sql } from '../db/client.ts';
import { notFound } from '../errors.ts';
import { groupKey, MAX_UNANSWERED_EXAMPLES } from '../../knowledge-base/unanswered.ts';
import { cleanOutOfScopeExamples, lockOutOfScopeList, outOfScopeExamples, setOutOfScopeExamples } from '../../knowledge-base/out-of-scope.ts';
import { forgetLearningSources, learnedFrom, type TaughtExample } from '../../knowledge-base/learning-sources.ts';
import { attachmentUrl } from '../repositories/attachments.ts';
import { recordAudit } from './audit-log.ts';
import { REPORTED_EVENTS } from './console-reports.ts';

export const ANONYMISED_TEXT = '[removed at the customer’s request]';
/** What a message says once retention removed its words: no customer asked, and an agent or an audit must not read so. */
export const RETAINED_TEXT = '[removed after the retention period]';

const audit = (sql: Sql, actorId: number, action: string, customerId: number, details: Record<string, unknown>) =>
  recordAudit(sql, actorId, action, `customer:${customerId}`, details);

export async function exportCustomer(sql: Sql, customerId: number, actorId: number): Promise<Record<string, unknown>> {
  const [customer] = await sql`select * from customers where id = ${customerId}`;
  if (!customer) throw notFound('Customer');
  const conversations = await sql`
    select id, status, handed_off, labels, created_at, queued_at, assigned_at, resolved_at, resolved_by from conversations
    where customer_id = ${customerId} order by id`;
  // Agents' private notes are internal working notes, not the shopper's data; everything the shopper saw is included.
  const messages = await sql`
    select m.id, m.conversation_id, m.author_type, m.body as text, m.metadata, m.created_at from messages m
    join conversations c on c.id = m.conversation_id
    where c.customer_id = ${customerId} and not m.private order by m.id`;
  // Their history, without the agents' private notes (left out of the messages above for the same reason).
  const timeline = await sql`select id, type, conversation_id, payload, occurred_at from interaction_events
    where customer_id = ${customerId} and type <> 'note.agent' order by occurred_at, id`;
  const feedback = await sql`select id, kind, conversation_id, article_id, intent, rating, helpful, comment, created_at from feedback where customer_id = ${customerId} order by id`;
  const offlineMessages = await sql`select id, conversation_id, name, email, body as text, created_at from offline_messages where customer_id = ${customerId} order by id`;
  // Files are listed with the link that downloads them, not inlined: a chat may hold many photos.
  const files = await sql<{ id: number; conversation_id: number | null; message_id: number | null; uploaded_by: string; access_key: string; file_name: string; content_type: string; size_bytes: number; created_at: Date }[]>`
    select id, conversation_id, message_id, uploaded_by, access_key, file_name, content_type, size_bytes, created_at
    from attachments where customer_id = ${customerId} order by id`;
  const attachments = files.map(({ access_key, ...f }) => ({ ...f, url: attachmentUrl(f.id, access_key, f.file_name) }));
  const orders = await sql`select * from orders where customer_id = ${customerId} or (customer_external_id is not null and customer_external_id = ${customer.external_id ?? ''}) order by placed_at`;
  const orderItems = orders.length ? await sql`select order_id, sku, name, quantity, price_cents from order_items
    where order_id = any(${sql.array(orders.map((o) => Number(o.id)))}::bigint[]) order by order_id, id` : [];
  const ids = conversations.map((c) => Number(c.id));
  const inIds = sql`any(${sql.array(ids)}::bigint[])`;
  // Who else received their data (GDPR asks for the recipients): the shop's webhooks, by address and event, and the
  // emails sent to them or received from them.
  // The receiving host only: a webhook's address often carries its own secret (a Slack or Zapier hook).
  const webhookDeliveries = (await sql<{ event: string; url: string; status: string; created_at: Date }[]>`
    select d.event, w.url, d.status, d.created_at from webhook_deliveries d
    join webhooks w on w.id = d.webhook_id where d.customer_id = ${customerId} order by d.id`)
    .map(({ url, ...delivery }) => ({ ...delivery, recipient: new URL(url).host }));
  const emailFollowups = await sql`select conversation_id, recipient, status, error, created_at, sent_at from email_followups
    where customer_id = ${customerId} order by id`;
  const inboundEmails = await sql`select conversation_id, message_id, received_at from inbound_emails where customer_id = ${customerId} order by received_at`;
  // Their questions among the bot's unanswered ones, and the training examples an admin made of their words.
  const unanswered = ids.length ? await sql`select q.id, q.locale, e->>'text' as text, e->>'at' as at
    from unanswered_questions q, jsonb_array_elements(q.examples) e
    where (e->>'conversationId')::bigint = ${inIds} order by q.id` : [];
  // What was taught from their chats, as deletion finds it (forgetTrainingExamples): by source (learning_sources), and
  // for what was taught before sources were recorded, their words in the groups then handled.
  const taught = await learnedFrom(sql, ids);
  const before = await taughtBeforeSources(sql, ids);
  const trainingExamples = taught.examples.length || before.examples.length ? await sql`select i.name as intent, e.locale, e.text
    from intent_examples e join intents i on i.id = e.intent_id
    where ${theirExamples(sql, [...taught.examples, ...before.examples])}
    order by e.id` : [];
  const outOfScope = (await outOfScopeExamples(sql)).filter((example) => before.outOfScope.has(example) || taught.outOfScope.has(example));
  // What the team wrote about them (customer notes): about the person, so theirs to see; authors by name.
  const notes = await sql`select n.id, n.body as text, u.name as author, n.created_at, n.updated_at from customer_notes n
    left join users u on u.id = n.author_id where n.customer_id = ${customerId} order by n.created_at, n.id`;
  const auditTrail = await sql`select a.action, u.name as actor, a.created_at from audit_log a left join users u on u.id = a.actor_user_id
    where a.target = ${`customer:${customerId}`} order by a.id`;
  await audit(sql, actorId, 'customer.export', customerId, {
    conversations: conversations.length, messages: messages.length, timeline: timeline.length, feedback: feedback.length, notes: notes.length,
  });
  return {
    exportedAt: new Date().toISOString(),
    customer,
    conversations: conversations.map((c) => ({ ...c, messages: messages.filter((m) => m.conversation_id === c.id) })),
    timeline,
    feedback,
    offlineMessages,
    attachments,
    orders: orders.map((o) => ({ ...o, items: orderItems.filter((i) => Number(i.order_id) === Number(o.id)).map(({ order_id: _o, ...item }) => item) })),
    sentTo: { webhooks: webhookDeliveries, emails: emailFollowups },
    emailsReceived: inboundEmails,
    notes,
    unansweredQuestions: unanswered,
    trainingExamples: { intents: trainingExamples, outOfScope },
    accessLog: auditTrail,
  };
}

export interface DeletionSummary {
  customerId: number;
  conversations: number;
  messagesAnonymised: number;
  /** Events taken off their history: deleted, or (the ones the reports count) kept without them and their words. */
  timelineEventsRemoved: number;
  attachmentsDeleted: number;
  ordersDeleted: number;
  /** The team's notes on the customer (customer_notes): the record stays, blanked, so its cascade does not remove them. */
  notesDeleted: number;
  /** Intent and out-of-scope examples that were their words (an admin added them from the unanswered list or a resolved hand-off). */
  trainingExamplesRemoved: number;
  /** Article drafts started from their chats and never published. */
  articleDraftsRemoved: number;
}

/**
 * The condition (on `intent_examples e`) for the examples that are these taught texts. A text recorded with its intent,
 * while that intent still holds it, is matched there only: the same sentence an admin typed into another intent is the
 * shop's own and stays. Otherwise it is matched in every intent, as deletion did before migration 060: recorded before
 * the intent was kept (intentId null), the intent since deleted (the link set to null; a 'replace' import renaming it
 * deletes the old one), or the sentence moved by hand to another intent; the link must never hide where their words went.
 */
function theirExamples(sql: Sql, taught: TaughtExample[]) {
  const inIntent = taught.filter((x): x is { text: string; intentId: number } => x.intentId != null);
  const anywhere = taught.filter((x) => x.intentId == null).map((x) => x.text);
  const recorded = sql`unnest(${sql.array(inIntent.map((x) => x.intentId))}::bigint[], ${sql.array(inIntent.map((x) => x.text))}::text[]) as t(intent_id, text)`;
  // Read from the statement's snapshot, so inside a delete it still sees the examples the delete removes.
  return sql`(e.text = any(${sql.array(anywhere)}::text[])
    or (e.intent_id, e.text) in (select t.intent_id, t.text from ${recorded})
    or e.text in (select t.text from ${recorded}
      where not exists (select 1 from intent_examples held where held.intent_id = t.intent_id and held.text = t.text)))`;
}

/**
 * What the learning loop taught from the customer's questions before sources were recorded (migration 059): their
 * words kept among the examples of unanswered groups an admin handled, by adding an example or marking them "Not for
 * the bot", before that migration was applied. Only those: a group handled since has its sources recorded, and
 * matching its texts again could only hit an example the shop wrote itself ("where is my order") because a shopper
 * once typed the same words. An example is looked for in the intent the group was added to, or everywhere when that
 * intent no longer holds it (theirExamples). Texts as stored (trimmed, spaces collapsed).
 */
async function taughtBeforeSources(sql: Sql, conversationIds: number[]): Promise<{ examples: { intentId: number; text: string }[]; outOfScope: Set<string> }> {
  const out = { examples: [] as { intentId: number; text: string }[], outOfScope: new Set<string>() };
  if (!conversationIds.length) return out;
  const rows = await sql<{ kind: string; intent_id: string | null; text: string | null }[]>`
    select distinct q.resolution->>'kind' as kind, q.resolution->>'intentId' as intent_id, e->>'text' as text
    from unanswered_questions q, jsonb_array_elements(q.examples) e
    where (e->>'conversationId')::bigint = any(${sql.array(conversationIds)}::bigint[])
      and q.status = 'handled' and q.resolution->>'kind' in ('example', 'out_of_scope')
      and coalesce((q.resolution->>'at')::timestamptz, '-infinity') < (select applied_at from schema_migrations where name = '059_learning_sources.sql')`;
  for (const r of rows) {
    const [text] = cleanOutOfScopeExamples([r.text ?? '']);
    if (!text) continue;
    if (r.kind === 'out_of_scope') out.outOfScope.add(text);
    else if (r.intent_id != null && /^\d+$/.test(r.intent_id)) out.examples.push({ intentId: Number(r.intent_id), text });
  }
  return out;
}

/**
 * Takes the customer's own questions out of the bot's training data: an admin who added one from the unanswered list
 * or the resolved hand-offs made their words an intent example or an out-of-scope one, which outlive the conversation
 * (and sit in the trained model until it is retrained). Found by the source each taught text records
 * (learning_sources, migration 059; recorded only for texts that were new, so an example the shop had is not theirs;
 * an example in the intent it was added to while that intent holds it, else anywhere, migration 060), and, for what
 * was taught before sources were recorded, as taughtBeforeSources says. Drafts started from their chats
 * quote their question (and the agent's reply, which may name them): a draft never published is deleted; an article
 * an admin went on to publish is the shop's content and stays, without the record tying it to them. Run before their
 * questions leave the unanswered list.
 */
async function forgetTrainingExamples(tx: Sql, conversationIds: number[]): Promise<{ examples: number; drafts: number }> {
  const before = await taughtBeforeSources(tx, conversationIds);
  const taught = await learnedFrom(tx, conversationIds);
  const outOfScopeTexts = new Set([...before.outOfScope, ...taught.outOfScope]);
  const removed = await tx<{ intent_id: string }[]>`delete from intent_examples e
    where ${theirExamples(tx, [...taught.examples, ...before.examples])}
    returning e.intent_id`;
  // An editor opened before this would otherwise save the deleted words back: its `updatedAt` must stop matching.
  const touched = [...new Set(removed.map((r) => Number(r.intent_id)))];
  if (touched.length) {
    await tx`update intents set updated_at = greatest(now(), updated_at + interval '1 millisecond') where id = any(${tx.array(touched)}::bigint[])`;
  }
  let outOfScopeRemoved = 0;
  if (outOfScopeTexts.size) {
    // Under the list's lock (taken after the intents' rows, as an import does), so a "Not for the bot" or an editor's
    // save at the same moment neither writes the old list back nor is overwritten.
    await lockOutOfScopeList(tx);
    const outOfScope = await outOfScopeExamples(tx);
    const kept = outOfScope.filter((example) => !outOfScopeTexts.has(cleanOutOfScopeExamples([example])[0] ?? ''));
    if (kept.length < outOfScope.length) await setOutOfScopeExamples(tx, kept);
    outOfScopeRemoved = outOfScope.length - kept.length;
  }
  const drafts = taught.articleIds.length ? await tx`delete from articles
    where id = any(${tx.array(taught.articleIds)}::bigint[]) and status = 'draft' and published_at is null returning id` : [];
  await forgetLearningSources(tx, conversationIds);
  return { examples: removed.length + outOfScopeRemoved, drafts: drafts.length };
}

/**
 * Removes the customer's questions from the learning loop: their examples go, a group whose representative
 * text was theirs takes its newest remaining example's text instead, and a group left with nothing of
 * anyone else is deleted. A group that took another text also takes that text's words as its matching key:
 * the old key was the stemmed words of their question (a name or a street would have stayed in it). If
 * another open group already has the new key, the two become one. Groups recorded before the source was kept
 * fall back to matching the text.
 */
async function forgetUnansweredQuestions(sql: Sql, conversationIds: number[]): Promise<void> {
  const ids = sql`any(${sql.array(conversationIds)}::bigint[])`;
  const theirs = sql`(e->>'conversationId')::bigint = ${ids}`;
  const retexted = await sql<{ id: number; locale: string; text: string; status: string; text_is_theirs: boolean }[]>`
    with affected as (
      select q.id,
        coalesce((select jsonb_agg(e order by n) from jsonb_array_elements(q.examples) with ordinality x(e, n) where not ${theirs}), '[]'::jsonb) as kept,
        (q.source_conversation_id = ${ids} or (q.source_conversation_id is null
          and exists (select 1 from jsonb_array_elements(q.examples) e where ${theirs} and e->>'text' = q.text))) as text_is_theirs
      from unanswered_questions q
      where q.source_conversation_id = ${ids} or exists (select 1 from jsonb_array_elements(q.examples) e where ${theirs})
    ), dropped as (
      delete from unanswered_questions q using affected d where q.id = d.id and d.text_is_theirs and jsonb_array_length(d.kept) = 0
    )
    update unanswered_questions q set
      examples = d.kept,
      text = case when d.text_is_theirs then d.kept->0->>'text' else q.text end,
      normalised = case when d.text_is_theirs then lower(d.kept->0->>'text') else q.normalised end,
      source_conversation_id = case when d.text_is_theirs then (d.kept->0->>'conversationId')::bigint else q.source_conversation_id end
    from affected d where q.id = d.id and not (d.text_is_theirs and jsonb_array_length(d.kept) = 0)
    returning q.id, q.locale, q.text, q.status, d.text_is_theirs`;
  for (const group of retexted) if (group.text_is_theirs) await rekeyUnansweredGroup(sql, group);
}

/** Gives a group the key of its (new) text, or folds it into the open group that already has that key. */
async function rekeyUnansweredGroup(sql: Sql, group: { id: number; locale: string; text: string; status: string }): Promise<void> {
  const { tokens, clusterKey } = groupKey(group.text);
  const [twin] = group.status === 'open'
    ? await sql<{ id: number }[]>`select id from unanswered_questions
                                  where status = 'open' and locale = ${group.locale} and cluster_key = ${clusterKey} and id <> ${group.id}`
    : [];
  if (!twin) {
    await sql`update unanswered_questions set cluster_key = ${clusterKey}, tokens = ${sql.array(tokens)}::text[] where id = ${group.id}`;
    return;
  }
  await sql`
    update unanswered_questions t set count = t.count + g.count, first_seen = least(t.first_seen, g.first_seen),
      last_seen = greatest(t.last_seen, g.last_seen),
      examples = (select coalesce(jsonb_agg(e order by e->>'at' desc), '[]'::jsonb) from (
        select e from jsonb_array_elements(t.examples || g.examples) e order by e->>'at' desc limit ${MAX_UNANSWERED_EXAMPLES}) s)
    from unanswered_questions g where t.id = ${twin.id} and g.id = ${group.id}`;
  await sql`delete from unanswered_questions where id = ${group.id}`;
}

/**
 * Removes the words of these conversations and keeps their statistics: every message blanked (agents' and the
 * bot's too: replies quote names, addresses and orders), files deleted, their questions taken out of the learning
 * loop, the text taken out of their history events and rating comments, their webhook deliveries deleted (sent or
 * not), their follow-up email records deleted. Used by customer deletion and by retention, each with its own
 * `replacement` for the words.
 */
export async function anonymiseConversations(tx: Sql, ids: number[], replacement = ANONYMISED_TEXT): Promise<{ messages: number }> {
  if (!ids.length) return { messages: 0 };
  const inIds = tx`any(${tx.array(ids)}::bigint[])`;
  // Marked first: this locks the conversations, so a shopper's message being stored in one right now is waited for and
  // then blanked below with the rest, and one arriving from here on waits and is refused once this commits
  // (conversations.insertMessage and insertCustomerMessagesFast check anonymised_at under the same row lock).
  await tx`update conversations set anonymised_at = now() where id = ${inIds}`;
  const messages = await tx`update messages set body = ${replacement}, metadata = '{}'::jsonb
                            where conversation_id = ${inIds} and author_type <> 'system' returning id`;
  await tx`delete from attachments where conversation_id = ${inIds}`;
  await forgetUnansweredQuestions(tx, ids);
  await tx`update interaction_events set payload = payload - 'text' - 'question' - 'comment' - 'email' where conversation_id = ${inIds}`; // a left message's address too
  await tx`update feedback set comment = null where conversation_id = ${inIds}`;
  await tx`delete from webhook_deliveries where conversation_id = ${inIds}`; // their bodies hold the words
  await tx`delete from offline_messages where conversation_id = ${inIds}`;
  // Follow-up emails: their records hold the address, the agents' notes about them part of it.
  await tx`delete from email_followups where conversation_id = ${inIds}`;
  // The Message-IDs of the shopper's email replies often name their mail host.
  await tx`delete from inbound_emails where conversation_id = ${inIds}`;
  await tx`update messages set body = 'Emailed a reply to the shopper.', metadata = metadata - 'to' where conversation_id = ${inIds} and metadata->>'event' = 'email_followup'`;
  // System lines are kept (who joined, left…), but the one quoting a left message carries the shopper's words and address.
  await tx`update messages set body = 'A message was left for the team.', metadata = metadata - 'email' - 'text' where conversation_id = ${inIds} and metadata->>'event' = 'offline_message'`;
  return { messages: messages.length };
}

/** Deletes the customer's data; `webhookDeliveryIds`: the `customer.deleted` deliveries the caller queues for sending. */
export async function deleteCustomer(sql: Sql, customerId: number, actorId: number): Promise<DeletionSummary & { webhookDeliveryIds: number[] }> {
  return sql.begin(async (tx) => {
    const [customer] = await tx<{ id: number; external_id: string | null }[]>`select id, external_id from customers where id = ${customerId} for update`;
    if (!customer) throw notFound('Customer');
    const conversations = await tx<{ id: number }[]>`select id from conversations where customer_id = ${customerId}`;
    const ids = conversations.map((c) => c.id);
    // What goes entirely goes first, so the shared anonymising step below does not rewrite rows about to be deleted.
    const files = await tx`delete from attachments where customer_id = ${customerId} returning id`; // also uploads no message carried
    // Their history goes, except the bot's turns and the hand-offs the reports count (bot turns, top intents, hand-off
    // reasons; containment counts their chats, which stay anonymised): those stay without the customer and with only
    // the fields the reports read (no question, no text), or deleting a customer would rewrite past figures.
    const detached = await tx`update interaction_events set customer_id = null,
        payload = (select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) from jsonb_each(payload) f
                   where f.key in ${tx(REPORTED_EVENTS.fields)})
      where customer_id = ${customerId} and type in ${tx(REPORTED_EVENTS.types)} returning id`;
    const deletedEvents = await tx`delete from interaction_events where customer_id = ${customerId} returning id`;
    const removed = [...detached, ...deletedEvents]; // both are off their history
    const { examples: trainingExamplesRemoved, drafts: articleDraftsRemoved } = await forgetTrainingExamples(tx as unknown as Sql, ids);
    await tx`delete from offline_messages where customer_id = ${customerId}`;
    await tx`delete from webhook_deliveries where customer_id = ${customerId}`; // also offline messages outside a chat
    const notes = await tx`delete from customer_notes where customer_id = ${customerId} returning id`; // what agents wrote about them
    const anonymised = await anonymiseConversations(tx as unknown as Sql, ids);
    // Ratings stay for the statistics, without the words or the link to the person.
    await tx`update feedback set comment = null, customer_id = null where customer_id = ${customerId}`;
    // Our copy of their orders (numbers, tracking, what they bought) is theirs too; the shop's own system keeps the
    // originals, and its feed would bring them back only if it sends them again for this user.
    const orders = await tx`delete from orders where customer_id = ${customerId}
                              or (${customer.external_id}::text is not null and customer_external_id = ${customer.external_id}) returning id`;
    // The shop's other systems that received their data are told, so they can erase their copies too: the ids only
    // (ours, and the shop's own user id, which the record is about to lose). Not tied to the record, so this delivery
    // stays when the rest of theirs is gone.
    const occurredAt = new Date().toISOString();
    const told = await tx<{ id: number }[]>`
      insert into webhook_deliveries (webhook_id, event_key, event, payload)
      select id, ${`deleted:${customerId}:${occurredAt}`}, 'customer.deleted',
        ${tx.json({ event: 'customer.deleted', occurredAt, customerId, customerExternalId: customer.external_id, conversationId: null, data: {} } as never)}::jsonb
      from webhooks where active and 'customer.deleted' = any(events) order by id
      returning id`;
    await tx`update customers set name = null, email = null, external_id = null, attributes = ${tx.json({ deleted: true } as never)},
             tags = '{}', block_reason = null, updated_at = now() where id = ${customerId}`;
    // The audit log keeps that an agent blocked them (and who), but the reason an agent typed is about the person, as
    // the record's block_reason was: it goes too — also from blocks of records merged into this one, whose reason the
    // merge carried over.
    await tx`update audit_log set details = details - 'reason'
             where action = 'customer.block' and details ? 'reason'
               and target in (select 'customer:' || id from customers where id = ${customerId} or merged_into_id = ${customerId})`;
    const summary: DeletionSummary = { customerId, conversations: ids.length, messagesAnonymised: anonymised.messages, timelineEventsRemoved: removed.length, attachmentsDeleted: files.length, ordersDeleted: orders.length, notesDeleted: notes.length, trainingExamplesRemoved, articleDraftsRemoved };
    await audit(tx as unknown as Sql, actorId, 'customer.delete', customerId, { ...summary });
    return { ...summary, webhookDeliveryIds: told.map((d) => d.id) };
  }) as Promise<DeletionSummary & { webhookDeliveryIds: number[] }>;
}
