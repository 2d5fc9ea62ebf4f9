// Training the intent classifier from the intents stored in Postgres (the
// kb-train job, and the first start of a fresh install). The arithmetic runs on
// a worker thread (training-thread.ts), so this process keeps serving while it
// does. A model is stored as the next version in nlu_models; servers load it
// when told to reload.
import { createHash } from 'node:crypto';
import type { Sql } from '../server/db/client.ts';
import type { Encoder } from './encoders/types.ts';
import { trainOnThread } from './training-thread.ts';
import { intentsRepository } from './repositories/intents.ts';
import { modelsRepository } from './repositories/models.ts';
import { backgroundExamplesFor, cleanOutOfScopeExamples, outOfScopeExamples } from './out-of-scope.ts';

export interface TrainResult {
  /** The live model version after this call. */
  version: number | null;
  /** True when the stored model was already trained on exactly these examples. */
  skipped: boolean;
  encoder: string;
  stats: Record<string, unknown>;
}

/**
 * The out-of-scope examples as training sees them: their cleaned texts in order. Their count alone was in the hash,
 * so replacing sentences with as many others never retrained ("model already current").
 */
export function outOfScopeFingerprint(examples: readonly string[]): string {
  const hash = createHash('sha256');
  for (const text of [...cleanOutOfScopeExamples([...examples])].sort()) hash.update(`${text}\n`);
  return hash.digest('hex').slice(0, 16);
}

export async function trainFromDatabase(
  sql: Sql,
  options: {
    /** Sentence encoder to train with beside the lexical one (the process's own, from resolveSentenceEncoder). */
    denseEncoder?: Encoder | null;
    force?: boolean;
    onProgress?: (percent: number) => Promise<void> | void;
  } = {},
): Promise<TrainResult> {
  const intents = intentsRepository(sql);
  const models = modelsRepository(sql);
  const progress = options.onProgress ?? (() => {});
  const outOfScope = await outOfScopeExamples(sql);
  const hash = `${await intents.trainingHash()}:${outOfScopeFingerprint(outOfScope)}:${options.denseEncoder?.name ?? 'lexical'}`;
  const latest = await models.latestMeta();
  if (!options.force && latest && latest.intents_hash === hash) {
    // An edit that left the examples alone (an answer, a label) was queued like any other: the status must end too,
    // or the console shows "queued" for ever.
    // The live model's own figures, not whatever an earlier run left (a "no model trained" note, say).
    await models.setStatus('train', 'done', {
      details: { ...latest.stats, version: latest.version, encoder: latest.encoder, unchanged: true },
      replaceDetails: true,
    });
    return { version: latest.version, skipped: true, encoder: latest.encoder, stats: latest.stats };
  }
  await models.setStatus('train', 'running');
  try {
    const definitions = (await intents.list())
      .map((i) => ({ name: i.name, examples: [...i.examples.en, ...i.examples.zh] }))
      .filter((i) => i.examples.length > 0);
    await progress(10);
    if (definitions.length === 0) {
      // Nothing to learn yet: the bot runs on the KB and hand-off rules alone.
      await models.setStatus('train', 'done', { details: { note: 'no intents with examples; no model trained' }, replaceDetails: true });
      return { version: latest?.version ?? null, skipped: true, encoder: 'none', stats: {} };
    }
    // A lone intent has nothing to be told apart from: it is trained against the admin's out-of-scope examples
    // plus built-in generic sentences about no one topic, so it is recognised only when a question shares its
    // examples' words, and anything else stays out of scope (README, "A shop with one intent").
    const background = definitions.length === 1 ? backgroundExamplesFor(definitions) : [];
    const trained = await trainOnThread({ intents: definitions, outOfScopeExamples: [...outOfScope, ...background] }, options.denseEncoder ?? null);
    await progress(90);
    const stats = {
      ...trained.stats,
      threshold: trained.threshold,
      ...(background.length > 0 ? { backgroundExamples: background.length } : {}),
    } as unknown as Record<string, unknown>;
    const version = await models.store(trained.model, trained.encoderName, stats, hash);
    await models.setStatus('train', 'done', { details: { version, encoder: trained.encoderName, ...stats }, replaceDetails: true });
    await progress(100);
    return { version, skipped: false, encoder: trained.encoderName, stats };
  } catch (error) {
    await models.setStatus('train', 'failed', { error: (error as Error).message }).catch(() => {});
    throw error;
  }
}
