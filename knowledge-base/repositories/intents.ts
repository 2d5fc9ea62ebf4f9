// SQL for intents and their examples (the classifier's training data).
import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../../server/db/client.ts';
import type { IntentDefinition } from '../pipeline.ts';
import type { Locale } from '../types.ts';
import { sameStamp } from '../stale-edits.ts';
import { badRequest, worded } from '../../server/errors.ts';

export interface IntentRecord {
  id: number;
  name: string;
  description: string;
  label: Partial<Record<Locale, string>>;
  answer: Partial<Record<Locale, string>>;
  action: string | null;
  articleSlug: string | null;
  /** Whether its typed answer ends with "Was this helpful?" (not for a greeting). */
  askHelpful: boolean;
  examples: Record<Locale, string[]>;
  updatedAt: Date;
}

export interface IntentInput {
  name: string;
  description?: string;
  label?: Partial<Record<Locale, string>>;
  answer?: Partial<Record<Locale, string>>;
  action?: string | null;
  articleSlug?: string | null;
  askHelpful?: boolean;
  examples: Partial<Record<Locale, string[]>>;
}

interface IntentRow {
  id: number;
  name: string;
  description: string;
  label: Partial<Record<Locale, string>>;
  answer: Partial<Record<Locale, string>>;
  action: string | null;
  article_slug: string | null;
  ask_helpful: boolean;
  updated_at: Date;
  examples: { locale: Locale; text: string }[] | null;
}

const toRecord = (row: IntentRow): IntentRecord => {
  const examples: Record<Locale, string[]> = { en: [], zh: [] };
  for (const e of row.examples ?? []) examples[e.locale]?.push(e.text);
  return { id: row.id, name: row.name, description: row.description, label: row.label, answer: row.answer, action: row.action, articleSlug: row.article_slug, askHelpful: row.ask_helpful, examples, updatedAt: row.updated_at };
};

/** Examples as stored: trimmed, inner spaces collapsed, empty ones and repeats dropped. */
export function cleanExamples(examples: Partial<Record<Locale, string[]>>): { locale: Locale; text: string }[] {
  const out = new Map<string, { locale: Locale; text: string }>();
  for (const locale of ['en', 'zh'] as const) {
    for (const raw of examples[locale] ?? []) {
      const text = raw.trim().replace(/\s+/g, ' ');
      if (text) out.set(`${locale}\u0000${text}`, { locale, text });
    }
  }
  return [...out.values()];
}

/** An example one intent holds that another was given: which intent holds it, in which language. */
export interface ExampleClash { intent: string; locale: Locale; example: string }

/**
 * One sentence taught as two intents makes the classifier pick between them by chance, so a change that would move the
 * bot's answer for a sentence another intent holds is refused: the admin moves it (takes it out of that intent) first.
 */
export const exampleInOtherIntent = (clash: ExampleClash) => worded(
  badRequest(`The intent "${clash.intent}" already has the example "${clash.example}" (${clash.locale}): one sentence teaches the bot one intent. `
    + `Take it out of "${clash.intent}" first if it belongs here.`),
  'example_in_other_intent', { intent: clash.intent, example: clash.example },
);

/**
 * The examples (as stored) two intents of `set` both hold, each named once with the intent that holds it first in `set`
 * and the other one: what a set of intents as an import would leave it would teach twice.
 */
export function examplesInTwoIntents(set: readonly { name: string; examples: Partial<Record<Locale, string[]>> }[]): (ExampleClash & { also: string })[] {
  const holder = new Map<string, string>();
  const clashes: (ExampleClash & { also: string })[] = [];
  for (const intent of set) {
    for (const { locale, text } of cleanExamples(intent.examples)) {
      const key = `${locale}\u0000${text}`;
      const first = holder.get(key);
      if (first === undefined) holder.set(key, intent.name);
      else if (first !== intent.name) clashes.push({ intent: first, also: intent.name, locale, example: text });
    }
  }
  return clashes;
}

export const intentsRepository = (sql: Sql) => {
  // Every change moves `updated_at` on by at least a millisecond, the precision the editors hold it in: two changes in
  // one millisecond would otherwise look like no change to a save based on the first (stale-edits.ts).
  const NEXT_STAMP = sql`greatest(now(), intents.updated_at + interval '1 millisecond')`;

  const select = (where: ReturnType<Sql>, db: Sql | Tx = sql, lock = false) => db<IntentRow[]>`
    select i.id, i.name, i.description, i.label, i.answer, i.action, i.article_slug, i.ask_helpful, i.updated_at,
      (select json_agg(json_build_object('locale', e.locale, 'text', e.text) order by e.id) from intent_examples e where e.intent_id = i.id) as examples
    from intents i ${where} order by i.name ${lock ? db`for update of i` : db``}`;

  /**
   * Every write of examples takes this lock (in its transaction) before it compares them with the other intents', so
   * two admins giving two intents one sentence at once cannot both pass the comparison.
   */
  const lockExamples = (tx: Tx) => tx`select pg_advisory_xact_lock(hashtext('intent_examples'))`;

  /**
   * Refuses examples (as stored) new to intent `intentId` that another intent holds: 400
   * `example_in_other_intent`, naming the first.
   */
  async function refuseHeldElsewhere(tx: Tx, intentId: number, examples: { locale: Locale; text: string }[]): Promise<void> {
    if (!examples.length) return;
    await lockExamples(tx);
    const [clash] = await tx<ExampleClash[]>`
      select i.name as intent, e.locale, e.text as example from intent_examples e join intents i on i.id = e.intent_id
      where e.intent_id <> ${intentId}
        -- One the intent holds already (two intents sharing it from before this check) does not block its other edits.
        and not exists (select 1 from intent_examples own where own.intent_id = ${intentId} and own.locale = e.locale and own.text = e.text)
        and (e.locale, e.text) in (select * from unnest(${tx.array(examples.map((e) => e.locale))}::text[], ${tx.array(examples.map((e) => e.text))}::text[]))
      order by e.id limit 1`;
    if (clash) throw exampleInOtherIntent(clash);
  }

  /** `checked`: the caller compared the whole set as it leaves it, under lockExamples (an import, examplesInTwoIntents). */
  async function writeExamples(tx: Tx, intentId: number, examples: Partial<Record<Locale, string[]>>, checked = false): Promise<void> {
    const cleaned = cleanExamples(examples);
    if (!checked) await refuseHeldElsewhere(tx, intentId, cleaned);
    await tx`delete from intent_examples where intent_id = ${intentId}`;
    const rows = cleaned.map((e) => ({ intent_id: intentId, locale: e.locale, text: e.text }));
    for (let i = 0; i < rows.length; i += 500) await tx`insert into intent_examples ${tx(rows.slice(i, i + 500))}`;
  }

  return {
    /** Every intent; inside an import's transaction (`tx`), optionally locked until it commits. */
    async list(tx?: Tx, lock = false): Promise<IntentRecord[]> {
      return (await select(sql``, tx ?? sql, lock)).map(toRecord);
    },
    async findById(id: number): Promise<IntentRecord | undefined> {
      const [row] = await select(sql`where i.id = ${id}`);
      return row && toRecord(row);
    },
    async findByName(name: string): Promise<IntentRecord | undefined> {
      const [row] = await select(sql`where i.name = ${name}`);
      return row && toRecord(row);
    },
    lockExamples,
    /**
     * Creates or (by name) replaces an intent with its examples. `examplesChecked`: an import that compared the set it
     * leaves (an example moving from one intent to another in one file would otherwise be refused half-way).
     */
    async upsert(input: IntentInput, tx?: Tx, examplesChecked = false): Promise<number> {
      const run = async (t: Tx) => {
        const [row] = await t<{ id: number }[]>`
          insert into intents (name, description, label, answer, action, article_slug, ask_helpful)
          values (${input.name}, ${input.description ?? ''}, ${t.json((input.label ?? {}) as never)}, ${t.json((input.answer ?? {}) as never)},
                  ${input.action ?? null}, ${input.articleSlug ?? null}, ${input.askHelpful ?? true})
          on conflict (name) do update set description = excluded.description, label = excluded.label, answer = excluded.answer, action = excluded.action,
            article_slug = excluded.article_slug, ask_helpful = excluded.ask_helpful, updated_at = ${NEXT_STAMP}
          returning id`;
        await writeExamples(t, row.id, input.examples, examplesChecked);
        return row.id;
      };
      return tx ? run(tx) : (sql.begin((t) => run(t as unknown as Tx)) as Promise<number>);
    },
    /**
     * Replaces an intent with its examples. With `basedOn` (the `updatedAt` the editor loaded), only when the intent has
     * not changed since: under the row's lock, so an example added meanwhile (the unanswered page) is never deleted unseen.
     */
    async update(id: number, input: IntentInput, basedOn?: string, onUpdated?: (tx: Tx, previousName: string) => Promise<void>): Promise<'updated' | 'missing' | 'stale'> {
      return (await sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const [current] = await tx<{ updated_at: Date; name: string }[]>`select updated_at, name from intents where id = ${id} for update`;
        if (!current) return 'missing';
        if (basedOn !== undefined && !sameStamp(current.updated_at, basedOn)) return 'stale';
        await tx`
          update intents set name = ${input.name}, description = ${input.description ?? ''}, label = ${tx.json((input.label ?? {}) as never)},
            answer = ${tx.json((input.answer ?? {}) as never)},
            action = ${input.action ?? null}, article_slug = ${input.articleSlug ?? null}, ask_helpful = ${input.askHelpful ?? true}, updated_at = ${NEXT_STAMP}
          where id = ${id}`;
        await writeExamples(tx, id, input.examples);
        if (onUpdated) await onUpdated(tx, current.name);
        return 'updated';
      })) as 'updated' | 'missing' | 'stale';
    },
    /**
     * Adds one example: 'added', 'exists' (the intent had it already: nothing was inserted) or 'missing' (no such
     * intent). `onAdded` runs in the same transaction only when the example was new (the learning loop records whose
     * words it is), so a text the shop wrote itself is never recorded as a shopper's and nothing new goes untraced.
     */
    async addExample(id: number, locale: Locale, text: string, onAdded?: (tx: Tx) => Promise<void>): Promise<'added' | 'exists' | 'missing'> {
      return (await sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const [intent] = await tx`update intents set updated_at = ${NEXT_STAMP} where id = ${id} returning id`;
        if (!intent) return 'missing';
        await refuseHeldElsewhere(tx, id, [{ locale, text: text.trim() }]);
        const inserted = await tx`insert into intent_examples (intent_id, locale, text) values (${id}, ${locale}, ${text.trim()}) on conflict do nothing returning id`;
        if (!inserted.length) return 'exists';
        if (onAdded) await onAdded(tx);
        return 'added';
      })) as 'added' | 'exists' | 'missing';
    },
    /** Deletes an intent; `onRemoved` runs in the same transaction with its name (not when there was none). */
    async remove<R>(id: number, onRemoved?: (tx: Tx, name: string) => Promise<R>): Promise<{ removed: R | undefined } | null> {
      return (await sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const [row] = await tx<{ name: string }[]>`delete from intents where id = ${id} returning name`;
        if (!row) return null;
        return { removed: onRemoved ? await onRemoved(tx, row.name) : undefined };
      })) as { removed: R | undefined } | null;
    },

    /** Deletes the named intents (an import in "replace" mode); their examples and team links go with them. */
    async removeNames(names: string[], tx: Tx): Promise<number> {
      if (names.length === 0) return 0;
      return (await tx`delete from intents where name = any(${tx.array(names)}::text[]) returning id`).length;
    },
    /** A fingerprint of everything training depends on; equal hashes mean the stored model is current. */
    async trainingHash(): Promise<string> {
      const rows = await sql<{ name: string; locale: string; text: string }[]>`
        select i.name, e.locale, e.text from intents i join intent_examples e on e.intent_id = i.id order by i.name, e.locale, e.text`;
      const hash = createHash('sha256');
      for (const r of rows) hash.update(`${r.name}\u0000${r.locale}\u0000${r.text}\n`);
      return hash.digest('hex').slice(0, 32);
    },
  };
};

export type IntentsRepository = ReturnType<typeof intentsRepository>;

export const toDefinition = (r: IntentRecord): IntentDefinition => ({
  name: r.name, description: r.description, label: r.label, answer: r.answer, action: r.action, articleSlug: r.articleSlug, askHelpful: r.askHelpful, examples: r.examples,
});
