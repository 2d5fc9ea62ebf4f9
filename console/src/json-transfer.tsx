// "Export JSON" / "Import JSON" for the admin pages whose API has both (articles,
// intents, products): the export downloads the import format, so a shop can keep its
// content in a file, move it between installs, or edit it in bulk.
import { useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText, get, query, type RowProblem } from './api.ts';
import { t, type Key } from './i18n.ts';

/** What an import would do, in the admin's words, from the route's dry run. */
export interface ImportPreview {
  /** "This import will create 2, update 5 and delete 20 intents (13 unchanged)." */
  summary: string;
  /** Nothing would change: no confirmation is asked, the admin is told so. */
  nothing: boolean;
  /** Something that cannot be taken back or takes content away from the bot (deletions, articles going offline). */
  warning?: string;
  /** One line per changed item ("gift-wrapping (en): body, status"). */
  details: string[];
}

/** A count of an import's summary (created, updated, …); 0 when absent. */
export const importCount = (summary: Record<string, unknown>, key: string) => Number(summary[key] ?? 0);

/** The preview's lines for what an import creates ("+ name") and changes ("~ name: fields"), in that order. */
export function changeLines<I extends { result: string; changed: string[] }>(items: I[], name: (item: I) => string): string[] {
  return [
    ...items.filter((i) => i.result === 'created').map((i) => `+ ${name(i)}`),
    ...items.filter((i) => i.result === 'updated').map((i) => `~ ${name(i)}: ${i.changed.join(', ')}`),
  ];
}

/** At most this many detail lines are listed; the rest are counted. */
const MAX_DETAILS = 12;

/** An outcome under the buttons; a refused file's bad rows (`rows`: one line each) below its sentence. */
type Outcome = { ok: boolean; text: string; rows?: string[] };

/** The rules (and formats) the console words itself: transfer.problem.<rule> in i18n.ts. */
const WORDED_RULES = new Set(['unknown_field', 'missing', 'one_of', 'format', 'format_slug', 'format_intent_name', 'too_long', 'empty', 'too_many', 'type', 'duplicate', 'in_other_intent']);

/** One problem in the console's language by its rule; the server's English phrase for a rule the console has no words for. */
function problemText(p: RowProblem): string {
  const rule = p.rule === 'format' && WORDED_RULES.has(`format_${p.expected}`) ? `format_${p.expected}` : p.rule;
  if (!WORDED_RULES.has(rule)) return p.problem;
  return t(`transfer.problem.${rule}` as Key, { field: p.field ?? t('transfer.theRow'), expected: p.expected ?? '' });
}

/** What went wrong: an import file's bad rows listed one line a row (the server caps them and counts the rest), else one sentence. */
function refusalOutcome(error: unknown): Outcome {
  if (!(error instanceof ApiError) || !error.problems.length) return { ok: false, text: errorText(error) };
  const rows = [...new Set(error.problems.map((p) => p.row))].map((row) => {
    const own = error.problems.filter((p) => p.row === row);
    const label = own[0].name ? t('transfer.namedRow', { row, name: own[0].name }) : t('transfer.row', { row });
    return `${label}${t('punct.colon')}${own.map(problemText).join(t('transfer.problemSeparator'))}`;
  });
  const more = Number(error.params.more ?? 0);
  return { ok: false, text: t('transfer.rowsRefused', { rows: error.params.rows ?? rows.length }), rows: more > 0 ? [...rows, t('transfer.andMore', { count: more })] : rows };
}

export function JsonTransfer({ exportPath, importPath, importMethod = 'POST', fileName, summarise, preview, onImported }: {
  exportPath: string;
  importPath: string;
  /** The products feed takes its file with PUT. */
  importMethod?: 'POST' | 'PUT';
  /** The downloaded file's name, without the date. */
  fileName: string;
  /** What the import did, in the admin's words ("3 created, 1 updated"). */
  summarise(result: Record<string, unknown>): string;
  /**
   * For routes that take ?dryRun=true: the file is first sent as a dry run and the admin sees what it would do, with
   * Import / Cancel; `confirmFields` adds to the confirmed request what the dry run showed (e.g. how many deletions).
   */
  preview?: { describe(result: Record<string, unknown>): ImportPreview; confirmFields?(result: Record<string, unknown>): Record<string, unknown> };
  onImported(): void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<Outcome | null>(null);
  const [pending, setPending] = useState<{ body: unknown; dryRun: Record<string, unknown>; shown: ImportPreview } | null>(null);
  const [busy, setBusy] = useState(false);

  const download = async () => {
    try {
      const data = await get<unknown>(exportPath);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = Object.assign(document.createElement('a'), { href: url, download: `${fileName}-${new Date().toISOString().slice(0, 10)}.json` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  const send = async (body: unknown) => {
    setBusy(true);
    try {
      // The server validates the whole file and says what is wrong with it; nothing is half-imported.
      const result = await api<Record<string, unknown>>(importMethod, importPath, body);
      setMessage({ ok: true, text: summarise(result) });
      onImported();
    } catch (err) {
      setMessage(refusalOutcome(err));
    } finally {
      setBusy(false);
    }
  };

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setPending(null);
    setMessage(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch {
      setMessage({ ok: false, text: t('transfer.notJson', { name: file.name }) });
      return;
    } finally {
      if (picker.current) picker.current.value = '';
    }
    if (!preview) return send(parsed);
    setBusy(true);
    try {
      const dryRun = await api<Record<string, unknown>>(importMethod, `${importPath}${query({ dryRun: true })}`, parsed);
      const shown = preview.describe(dryRun);
      if (shown.nothing) setMessage({ ok: true, text: shown.summary });
      else setPending({ body: parsed, dryRun, shown });
    } catch (err) {
      setMessage(refusalOutcome(err));
    } finally {
      setBusy(false);
    }
  };

  const confirmImport = () => {
    if (!pending || !preview) return;
    const extra = preview.confirmFields?.(pending.dryRun) ?? {};
    const isObject = typeof pending.body === 'object' && pending.body !== null && !Array.isArray(pending.body);
    setPending(null);
    void send(isObject ? { ...(pending.body as Record<string, unknown>), ...extra } : pending.body);
  };

  const details = pending?.shown.details ?? [];
  return (
    <div class="json-transfer">
      <button type="button" class="small" data-testid="export-json" onClick={download}>{t('transfer.export')}</button>
      <button type="button" class="small" data-testid="import-json" disabled={busy} onClick={() => picker.current?.click()}>{t('transfer.import')}</button>
      <input ref={picker} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(e) => void upload(e.currentTarget.files?.[0])} />
      {pending && (
        <div class="card import-preview" role="alertdialog" aria-label={t('transfer.previewTitle')} data-testid="import-preview">
          <strong>{t('transfer.previewTitle')}</strong>
          <p data-testid="import-preview-summary">{pending.shown.summary}</p>
          {pending.shown.warning && <p class="error small" data-testid="import-preview-warning">{pending.shown.warning}</p>}
          {details.length > 0 && (
            <ul class="small" data-testid="import-preview-details">
              {details.slice(0, MAX_DETAILS).map((line) => <li key={line}>{line}</li>)}
              {details.length > MAX_DETAILS && <li class="muted">{t('transfer.andMore', { count: details.length - MAX_DETAILS })}</li>}
            </ul>
          )}
          <div class="actions">
            <button type="button" class={pending.shown.warning ? 'danger' : 'primary'} data-testid="import-confirm" disabled={busy} onClick={confirmImport}>{t('transfer.confirmImport')}</button>
            <button type="button" data-testid="import-cancel" onClick={() => { setPending(null); setMessage({ ok: true, text: t('transfer.cancelled') }); }}>{t('cancel')}</button>
          </div>
        </div>
      )}
      {message && <p class={message.ok ? 'ok small' : 'error small'} role={message.ok ? 'status' : 'alert'} data-testid="transfer-result">{message.text}</p>}
      {message?.rows && <ul class="error small" data-testid="transfer-problems">{message.rows.map((line) => <li key={line}>{line}</li>)}</ul>}
    </div>
  );
}
