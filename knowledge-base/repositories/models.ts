// SQL for stored classifier models and the status of the background jobs.
import type { Sql } from '../../server/db/client.ts';

export interface ModelRow {
  id: number;
  version: number;
  model: unknown;
  encoder: string;
  stats: Record<string, unknown>;
  intents_hash: string;
  trained_at: Date;
}

export type JobKind = 'train' | 'index';
export type JobState = 'idle' | 'queued' | 'running' | 'done' | 'failed';

export interface JobStatusRow {
  kind: JobKind;
  state: JobState;
  progress: number;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  details: Record<string, unknown>;
  updated_at: Date;
}

const KEEP_MODELS = 10;

export const modelsRepository = (sql: Sql) => ({
  async latest(): Promise<ModelRow | undefined> {
    const [row] = await sql<ModelRow[]>`select * from nlu_models order by version desc limit 1`;
    return row;
  },
  async latestMeta(): Promise<Omit<ModelRow, 'model'> | undefined> {
    const [row] = await sql<Omit<ModelRow, 'model'>[]>`select id, version, encoder, stats, intents_hash, trained_at from nlu_models order by version desc limit 1`;
    return row;
  },
  /** Stores a model as the next version and trims old ones. */
  async store(model: unknown, encoder: string, stats: Record<string, unknown>, intentsHash: string): Promise<number> {
    const [row] = await sql<{ version: number }[]>`
      insert into nlu_models (version, model, encoder, stats, intents_hash)
      values ((select coalesce(max(version), 0) + 1 from nlu_models), ${sql.json(model as never)}, ${encoder}, ${sql.json(stats as never)}, ${intentsHash})
      returning version`;
    await sql`delete from nlu_models where version <= ${row.version - KEEP_MODELS}`;
    return row.version;
  },
  async status(): Promise<JobStatusRow[]> {
    return sql<JobStatusRow[]>`select * from kb_job_status order by kind`;
  },
  /**
   * Sets a job's state. `details` are merged into the stored ones, or replace them with `replaceDetails` (what
   * a job that reports its outcome afresh wants: a note of an earlier run must not stay beside this one's figures).
   */
  async setStatus(
    kind: JobKind,
    state: JobState,
    fields: { progress?: number; error?: string | null; details?: Record<string, unknown>; replaceDetails?: boolean } = {},
  ): Promise<void> {
    const details = sql.json((fields.details ?? {}) as never);
    await sql`
      update kb_job_status set
        state = ${state},
        progress = ${fields.progress ?? (state === 'done' ? 100 : 0)},
        started_at = case when ${state}::text = 'running' then now() else started_at end,
        finished_at = case when ${state}::text in ('done', 'failed') then now() else finished_at end,
        error = case when ${state}::text = 'failed' then ${fields.error ?? 'failed'} when ${state}::text = 'done' then null else error end,
        details = case when ${fields.replaceDetails ?? false}::boolean then ${details}::jsonb else details || ${details}::jsonb end,
        updated_at = now()
      where kind = ${kind}`;
  },
  async setProgress(kind: JobKind, progress: number): Promise<void> {
    await sql`update kb_job_status set progress = ${Math.max(0, Math.min(100, Math.round(progress)))}, updated_at = now() where kind = ${kind}`;
  },
});

export type ModelsRepository = ReturnType<typeof modelsRepository>;
