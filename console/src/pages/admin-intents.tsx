// Intents editor: list, edit examples and answers per language, a test box
// (sentence → intent, confidence, out of scope, and what the bot would reply),
// the out-of-scope examples and the retraining status.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAction, useLoad } from '../hooks.ts';
import { changeLines, importCount, JsonTransfer, type ImportPreview } from '../json-transfer.tsx';
import { t } from '../i18n.ts';
import { kbApi, type BotPreview, type Classification, type Intent, type LinkWarning } from '../kb-api.ts';
import { IntentArticlePicker } from './intent-article-picker.tsx';
import { JobBar, useJobStatus } from './admin-kb.tsx';
import { botVerdict, confidenceLine } from '../wording.ts';
import { staleSaveRefusal } from '../stale-save.ts';
import { specialRoleOf } from '../../../knowledge-base/special-intents.ts';
import { IntentName, useIntentNames } from '../intent-names.tsx';
import { errorText, get } from '../api.ts';

type IntentDraft = Omit<Intent, 'id' | 'updatedAt'>;
const EMPTY: IntentDraft = { name: '', description: '', label: { en: '', zh: '' }, answer: { en: '', zh: '' }, action: null, articleSlug: null, askHelpful: true, examples: { en: [], zh: [] } };
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

type ImportItem = { name: string; result: 'created' | 'updated' | 'unchanged' | 'deleted'; changed: string[]; linkWarning?: string };

/** "No article has the slug … yet: faq_x, faq_y", after an import's summary, when its intents link articles nobody has. */
function unlinkedNote(r: Record<string, unknown>): string {
  const names = ((r.items ?? []) as ImportItem[]).filter((i) => i.linkWarning).map((i) => i.name);
  return names.length ? ` ${t('transfer.intentsUnlinked', { names: names.join(', ') })}` : '';
}

/** The dry run of an intents import, worded for the confirmation: counts, what is deleted for good, what changes. */
function describeIntentImport(r: Record<string, unknown>): ImportPreview {
  const items = (r.items ?? []) as ImportItem[];
  const deleted = items.filter((i) => i.result === 'deleted').map((i) => i.name);
  const outOfScope = r.outOfScope === 'updated';
  const vars = { created: importCount(r, 'created'), updated: importCount(r, 'updated'), deleted: importCount(r, 'deleted'), unchanged: importCount(r, 'unchanged') };
  const nothing = vars.created + vars.updated + vars.deleted === 0 && !outOfScope;
  return {
    nothing,
    summary: (nothing ? t('transfer.intentsNothing', vars) : t('transfer.intentsPreview', vars)) + unlinkedNote(r),
    warning: deleted.length ? t('transfer.intentsDelete', { names: deleted.join(', ') }) : undefined,
    details: [
      ...(outOfScope ? [t('transfer.outOfScopePreview')] : []),
      ...changeLines(items, (i) => i.name),
    ],
  };
}

export function IntentsPage() {
  const list = useLoad(() => kbApi.listIntents(), []);
  const [selected, setSelected] = useState<number | 'new' | null>(null);
  const [filter, setFilter] = useState('');
  const status = useJobStatus();
  const named = useIntentNames();
  // By name or by what the console calls it: admins may know an intent by either.
  const matches = (name: string) => name.includes(filter.toLowerCase()) || named(name).toLowerCase().includes(filter.toLowerCase());
  const intents = (list.data?.items ?? []).filter((i) => !filter || matches(i.name));
  const current = typeof selected === 'number' ? list.data?.items.find((i) => i.id === selected) ?? null : null;
  return (
    <div class="admin-intents">
      <aside class="card">
        <h2>{t('nav.intents')}</h2>
        <input type="search" placeholder={t('intents.filter')} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button class="primary" onClick={() => setSelected('new')}>{t('intents.new')}</button>
        <JsonTransfer exportPath="/api/admin/intents/export" importPath="/api/admin/intents/import" fileName="intents"
          summarise={(r) => t('transfer.intentsDone', { created: importCount(r, 'created'), updated: importCount(r, 'updated'), unchanged: importCount(r, 'unchanged'), deleted: importCount(r, 'deleted') }) + unlinkedNote(r)}
          preview={{ describe: describeIntentImport, confirmFields: (r) => (typeof r.confirmToken === 'string' ? { confirmToken: r.confirmToken } : {}) }}
          onImported={list.reload} />
        {list.error && <p class="error">{list.error}</p>}
        <ul class="plain">
          {intents.map((i) => (
            <li key={i.id}>
              <button class={`link ${selected === i.id ? 'selected' : ''}`} data-testid="intent-item" onClick={() => setSelected(i.id)}>{i.name}</button>
              {/* What agents see it called (its label, else the name in words): the name is what admins edit here. */}
              <span class="small" data-testid="intent-display-name"> {named(i.name)}</span>
              <span class="muted small"> {i.examples.en.length} en · {i.examples.zh.length} zh</span>
              {/* The server checks every intent's article (linkWarning): the console lists only some of the articles. */}
              {i.articleSlug && i.linkWarning &&
                <span class="badge warn small" data-testid="intent-article-missing" title={t('intents.articleMissing', { slug: i.articleSlug })}>{t('intents.articleMissingBadge')}</span>}
            </li>
          ))}
        </ul>
      </aside>
      <section class="grow">
        <div class="jobs inline">
          {status && <JobBar job={status.training} kind="training" label={t('intents.training')} />}
          <button class="small" data-testid="retrain" onClick={() => kbApi.retrain().catch(() => {})}>{t('intents.retrain')}</button>
        </div>
        <TestBox />
        <OutOfScopeEditor />
        {selected === 'new' && <IntentEditor key="new" intent={null} onSaved={(id) => { list.reload(); setSelected(id); }} />}
        {current && <IntentEditor key={current.id} intent={current} onSaved={() => list.reload()} onDeleted={() => { list.reload(); setSelected(null); }} />}
      </section>
    </div>
  );
}

function TestBox() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<Classification | null>(null);
  const [preview, setPreview] = useState<BotPreview | null>(null);
  const { error, run: act } = useAction();
  const run = async (event: Event) => {
    event.preventDefault();
    const sentence = text.trim();
    if (!sentence) return;
    await act(async () => {
      const [classification, reply] = await Promise.all([kbApi.classify(sentence), kbApi.preview(sentence)]);
      setResult(classification);
      setPreview(reply);
    });
  };
  const named = useIntentNames();
  // The headline is what the bot would do (the preview: the whole policy); the classifier's reading is secondary.
  const verdict = preview && botVerdict(preview, result);
  // Of what the policy classified (maybe part of the message), so it cannot contradict the headline.
  const confidence = preview && confidenceLine(preview, result);
  return (
    <form class="card test-box" onSubmit={run} data-testid="intent-test">
      <h3>{t('intents.test')}</h3>
      <div class="inline">
        <input class="grow" data-testid="intent-test-input" placeholder={t('intents.testPlaceholder')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <button class="primary" type="submit">{t('intents.classify')}</button>
      </div>
      {error && <p class="error small">{error}</p>}
      {verdict && <p data-testid="intent-test-verdict" data-decision={preview.decision}><strong>{t(verdict.key, { ...verdict.vars, ...(verdict.vars.intent ? { intent: named(verdict.vars.intent) } : {}) })}</strong>
        {verdict.partOnly && <span data-testid="intent-test-part-only">{t('punct.colon')}{t('intents.botPartOnly')}</span>}</p>}
      {result && (
        <div class="classification" data-testid="intent-test-result">
          <span class="muted small">{t('intents.classifierReading')}{t('punct.colon')}</span>
          {result.outOfScope
            ? <span class="badge warn">{t('intents.outOfScope')}</span>
            : result.intent && <span class="badge"><IntentName name={result.intent} withName /></span>}
          {confidence && <p class="muted small" data-testid="intent-test-score">{t(confidence.key, confidence.vars)}</p>}
          {(result.alternatives ?? []).length > 0 && (
            <ul class="plain small">{(result.alternatives ?? []).slice(0, 4).map((a) => <li key={a.intent}><IntentName name={a.intent} withName /> — {(a.confidence * 100).toFixed(1)}%</li>)}</ul>
          )}
        </div>
      )}
      {preview && (
        <div class="bot-preview" data-testid="bot-preview" data-decision={preview.decision}>
          <h4>{t('intents.preview')} <span class="badge">{preview.decision}</span> <span class="muted small">{preview.reason}</span></h4>
          {preview.missingArticle && <p class="warn-text small" data-testid="intent-test-article-missing">{t('intents.testArticleMissing', preview.missingArticle)}</p>}
          <p class="msg-text">{preview.reply}</p>
          {preview.quickReplies.length > 0 && <div class="chips">{preview.quickReplies.map((q) => <span key={q.value} class="badge" title={q.value}>{q.label}</span>)}</div>}
        </div>
      )}
    </form>
  );
}

/** The explicit out-of-scope class: what the bot must not claim (also fed from the unanswered page). */
function OutOfScopeEditor() {
  const stored = useLoad(() => kbApi.outOfScope(), []);
  const [text, setText] = useState<string | null>(null);
  // The list's updatedAt the text in the box is based on: as loaded, then as each save answered.
  const [basedOn, setBasedOn] = useState<string | null | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const { error, setError, run } = useAction(staleSaveRefusal('intents.outOfScopeStale'));
  const value = text ?? (stored.data?.examples ?? []).join('\n');
  const save = () => run(async () => {
    // Before the list has arrived there is nothing to base a save on (null would be "there was no list").
    if (!stored.data) return;
    const saved = await kbApi.saveOutOfScope(lines(value), basedOn !== undefined ? basedOn : stored.data.updatedAt);
    setText(saved.examples.join('\n'));
    setBasedOn(saved.updatedAt);
    setMessage(saved.warning ? t('kb.jobOwed') : t('intents.saved'));
  });
  // Refused as stale: the box shows the list as it is now (what was typed is replaced).
  const reload = () => {
    setText(null);
    setBasedOn(undefined);
    setError(null);
    stored.reload();
  };
  return (
    <details class="card" data-testid="out-of-scope-editor">
      <summary><strong>{t('intents.outOfScopeTitle')}</strong> <span class="muted small">({lines(value).length})</span></summary>
      <p class="muted small">{t('intents.outOfScopeExplain')}</p>
      {stored.error && <p class="error small">{stored.error}</p>}
      <textarea rows={8} value={value} onInput={(e) => { setText(e.currentTarget.value); setMessage(null); }} />
      <div class="actions">
        <button class="primary" onClick={save}>{t('save')}</button>
        {message && <span class="ok small">{message}</span>}
        {error && <span class="error small" role="alert" data-testid="out-of-scope-error">{error}</span>}
        {error === t('intents.outOfScopeStale') && <button class="small" data-testid="out-of-scope-reload" onClick={reload}>{t('edits.reload')}</button>}
      </div>
    </details>
  );
}

/** `intent` as the intents list sent it: its `linkWarning` says its saved article slug names no article. */
/** Of an automation rule, what deleting an intent looks at (server/services/automation-rules.ts). */
export interface RuleForIntent { name: string; enabled: boolean; conditions: { type: string; intents?: string[] }[] }
export interface RulesNaming { kept: string[]; disabled: string[] }

/**
 * The rules naming intent `name`, by what its deletion does to them (as rewriteRulesForIntent does): `disabled`, an
 * enabled rule with an intent condition naming only it (switched off); `kept`, the others (they just lose it).
 */
export function rulesNaming(name: string, rules: RuleForIntent[]): RulesNaming {
  const out: RulesNaming = { kept: [], disabled: [] };
  for (const rule of rules) {
    const naming = rule.conditions.filter((c) => c.type === 'intent' && c.intents?.includes(name));
    if (!naming.length) continue;
    const emptied = naming.some((c) => c.intents!.every((intent) => intent === name));
    (emptied && rule.enabled ? out.disabled : out.kept).push(rule.name);
  }
  return out;
}

function IntentEditor({ intent, onSaved, onDeleted }: {
  intent: (Intent & LinkWarning) | null; onSaved(id: number): void; onDeleted?(): void;
}) {
  const [draft, setDraft] = useState<IntentDraft>(intent ? { ...intent } : EMPTY);
  const [examplesEn, setExamplesEn] = useState((intent?.examples.en ?? []).join('\n'));
  const [examplesZh, setExamplesZh] = useState((intent?.examples.zh ?? []).join('\n'));
  // The intent's updatedAt this editor's text is based on: as opened, then as each save answered. A save based on
  // an older one is refused, so an example added meanwhile (the Unanswered page) is not deleted unseen.
  const [basedOn, setBasedOn] = useState(intent?.updatedAt ?? '');
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction(staleSaveRefusal('intents.stale'));
  // Showing a save's answer is no edit: it keeps the "Saved" message that an edit clears.
  const keepMessage = useRef(false);
  useEffect(() => {
    if (keepMessage.current) keepMessage.current = false;
    else setMessage(null);
  }, [draft, examplesEn, examplesZh]);
  const show = (loaded: Intent) => {
    setDraft({ ...loaded });
    setExamplesEn(loaded.examples.en.join('\n'));
    setExamplesZh(loaded.examples.zh.join('\n'));
    setBasedOn(loaded.updatedAt);
  };
  const save = () => run(async () => {
    const input: IntentDraft = { ...draft, examples: { en: lines(examplesEn), zh: lines(examplesZh) } };
    const saved = intent ? await kbApi.saveIntent(intent.id, input, basedOn) : await kbApi.createIntent(input);
    // The answer's updatedAt belongs to the intent as answered, which may hold an example added while this save was
    // in flight: show that intent, so the next save (based on that stamp) keeps the example instead of deleting it.
    show(saved.intent);
    keepMessage.current = true;
    // Saved, but the retraining is owed (the job queue was unreachable): said instead of "retraining in the background".
    // Saved too when its article does not exist (it may be written next): said beside it.
    const saidSaved = saved.warning ? t('kb.jobOwed') : t('intents.saved');
    setMessage(saved.linkWarning && saved.intent.articleSlug ? `${saidSaved} ${t('intents.linkWarning', { slug: saved.intent.articleSlug })}` : saidSaved);
    onSaved(saved.intent.id);
  });
  // Refused as stale: the editor shows the intent as it is now (what was typed is replaced), and the list catches up.
  const reload = () => intent && run(async () => {
    show((await kbApi.getIntent(intent.id)).intent);
    setError(null);
    onSaved(intent.id);
  });
  const remove = async () => {
    if (!intent) return;
    // An intent the bot knows by name: say what deleting it ends.
    const role = specialRoleOf(intent.name);
    // The automation rules naming it lose it (the server takes it out of them); one whose condition it alone fills is
    // switched off rather than matching every hand-off: the admin reads which before agreeing.
    let rules: RulesNaming;
    try {
      rules = rulesNaming(intent.name, (await get<{ items: RuleForIntent[] }>('/api/admin/automation-rules')).items);
    } catch (loadError) {
      setError(errorText(loadError));
      return;
    }
    const ruleLines = [
      ...(rules.kept.length ? [t('intents.deleteRulesEdited', { names: rules.kept.join(', ') })] : []),
      ...(rules.disabled.length ? [t('intents.deleteRulesDisabled', { names: rules.disabled.join(', ') })] : []),
    ];
    const extra = [...(role ? [t(`intents.special.${role}`)] : []), ...ruleLines];
    if (!confirm([t('intents.confirmDelete', { name: intent.name }), ...extra].join('\n\n'))) return;
    await run(async () => {
      await kbApi.deleteIntent(intent.id);
      onDeleted?.();
    });
  };
  return (
    <div class="card editor" data-testid="intent-editor">
      {/* Read-only while a save is in flight: its answer replaces the fields (the intent as saved, perhaps holding an
          example added meanwhile), which would drop anything typed after the click. */}
      <fieldset class="grid-2 fields" disabled={busy}>
        <label>{t('intents.name')}<input value={draft.name} pattern="[a-z0-9_]{1,60}" disabled={!!intent} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          {intent && specialRoleOf(intent.name) && <span class="muted small" data-testid="intent-special">{t(`intents.special.${specialRoleOf(intent.name)!}`)}</span>}</label>
        <label>{t('intents.description')}<input value={draft.description} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })} /></label>
        <label>{t('intents.labelEn')}<input value={draft.label.en ?? ''} maxLength={80} placeholder={draft.examples.en[0] ?? ''} onInput={(e) => setDraft({ ...draft, label: { ...draft.label, en: e.currentTarget.value } })} /></label>
        <label>{t('intents.labelZh')}<input value={draft.label.zh ?? ''} maxLength={80} placeholder={draft.examples.zh[0] ?? ''} onInput={(e) => setDraft({ ...draft, label: { ...draft.label, zh: e.currentTarget.value } })} /></label>
        <label>{t('intents.action')}
          <select data-testid="intent-action" value={draft.action ?? ''} onChange={(e) => setDraft({ ...draft, action: (e.currentTarget.value || null) as IntentDraft['action'] })}>
            <option value="">{t('intents.actionNone')}</option>
            <option value="order_status">{t('intents.actionOrderStatus')}</option>
            <option value="handoff">{t('intents.actionHandoff')}</option>
          </select>
        </label>
        <label>{t('intents.articleSlug')}
          <IntentArticlePicker slug={draft.articleSlug} missing={!!intent?.linkWarning && draft.articleSlug === intent.articleSlug}
            onPick={(articleSlug) => setDraft({ ...draft, articleSlug })} />
        </label>
        <label>{t('intents.answerEn')}<textarea rows={3} value={draft.answer.en ?? ''} onInput={(e) => setDraft({ ...draft, answer: { ...draft.answer, en: e.currentTarget.value } })} /></label>
        <label>{t('intents.answerZh')}<textarea rows={3} value={draft.answer.zh ?? ''} onInput={(e) => setDraft({ ...draft, answer: { ...draft.answer, zh: e.currentTarget.value } })} /></label>
        <label class="check" title={t('intents.askHelpfulHint')}>
          <input type="checkbox" data-testid="intent-ask-helpful" checked={draft.askHelpful} onChange={(e) => setDraft({ ...draft, askHelpful: e.currentTarget.checked })} />
          {t('intents.askHelpful')}
        </label>
        <label>{t('intents.examplesEn')}<textarea rows={10} value={examplesEn} onInput={(e) => setExamplesEn(e.currentTarget.value)} /></label>
        <label>{t('intents.examplesZh')}<textarea rows={10} value={examplesZh} onInput={(e) => setExamplesZh(e.currentTarget.value)} /></label>
      </fieldset>
      <div class="actions">
        <button class="primary" disabled={busy} onClick={save}>{t('save')}</button>
        {intent && <button class="danger" disabled={busy} onClick={remove}>{t('delete')}</button>}
        {message && <span class="ok small">{message}</span>}
        {error && <span class="error small" role="alert" data-testid="intent-error">{error}</span>}
        {intent && error === t('intents.stale') && <button class="small" data-testid="intent-reload" onClick={reload}>{t('edits.reload')}</button>}
      </div>
    </div>
  );
}
