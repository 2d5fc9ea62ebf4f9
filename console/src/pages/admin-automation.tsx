// Team & settings → Automation: the admins' automation rules (server/services/automation-rules.ts). "When a chat is
// handed off (or a shopper starts one), if these conditions hold, do these actions", run by the server in the listed
// order with no agent clicking. The actions are a subset of a macro's, edited with the macro editor's own fields
// (personal-macros.tsx); the server checks everything again and says why it refuses.
import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api.ts';
import { ConfirmButton } from '../confirm-button.tsx';
import { useListChange, useLoad } from '../hooks.ts';
import { t, type Key } from '../i18n.ts';
import type { MacroAction } from '../types.ts';
import { actionSummary } from './macro-menu.tsx';
import { ActionFields, blankAction, splitLabels } from './personal-macros.tsx';
import { useIntentExists, useIntentNames } from '../intent-names.tsx';

type Trigger = 'handoff' | 'conversation_created';
type Condition =
  | { type: 'textContains'; terms: string[] }
  | { type: 'language'; languages: ('en' | 'zh')[] }
  | { type: 'pageUrlContains'; text: string }
  | { type: 'handoffReason'; reasons: string[] }
  | { type: 'intent'; intents: string[] }
  | { type: 'customerIdentified'; identified: boolean }
  | { type: 'customerTag'; tags: string[] };
/** A rule's actions: a subset of a macro's, the same shapes (server/services/automation-rules.ts). */
type RuleAction = { type: 'note'; text: string } | { type: 'addLabels'; labels: string[] } | { type: 'setPriority'; priority: boolean } | { type: 'transferToTeam'; teamId: number };
interface Rule { id: number; name: string; enabled: boolean; trigger: Trigger; conditions: Condition[]; actions: RuleAction[]; position: number }

/** The server's caps (automation-rules.ts), so the browser says what is wrong before sending. */
const MAX_CONDITIONS = 10;
const MAX_ACTIONS = 10;
const TRIGGERS: Trigger[] = ['handoff', 'conversation_created'];
const CONDITION_TYPES: Condition['type'][] = ['textContains', 'language', 'pageUrlContains', 'handoffReason', 'intent', 'customerIdentified', 'customerTag'];
const ACTION_TYPES: RuleAction['type'][] = ['addLabels', 'setPriority', 'transferToTeam', 'note'];
/**
 * Only a hand-off has a reason, only a handed-off chat goes to a team's queue, and a new chat's rules run before the bot
 * has answered, so there is no intent to match yet (the server refuses the rest too).
 */
const HANDOFF_ONLY = new Set<string>(['handoffReason', 'intent', 'transferToTeam']);
const REFUSALS: Record<string, Key> = { automation_rules_full: 'automation.full' };

/** The list a condition compares with, typed as one text while editing (commas must stay in the box). */
const LIST_FIELD = { textContains: 'terms', handoffReason: 'reasons', intent: 'intents', customerTag: 'tags' } as const;

function blankCondition(type: Condition['type']): Condition {
  switch (type) {
    case 'language': return { type, languages: ['en'] };
    case 'pageUrlContains': return { type, text: '' };
    case 'customerIdentified': return { type, identified: true };
    default: return { type, [LIST_FIELD[type]]: [] } as unknown as Condition;
  }
}

/** Splits the typed lists on commas (Chinese ones too) when the rule is saved. */
function splitCondition(condition: Condition): Condition {
  if (!(condition.type in LIST_FIELD)) return condition;
  const field = LIST_FIELD[condition.type as keyof typeof LIST_FIELD];
  const typed = (condition as unknown as Record<string, string[]>)[field]!;
  return { ...condition, [field]: typed.flatMap((x) => x.split(/[,，、]/)).map((x) => x.trim()).filter(Boolean) } as Condition;
}

/**
 * A condition in words; intents by what the console calls them, with the names the rule matches; one no intent has
 * (`exists` false: deleted before rules followed their intents, or renamed outside the console) is said to be missing.
 */
export function conditionSummary(condition: Condition, named: (intent: string) => string, exists: (intent: string) => boolean | null = () => null): string {
  const label = t(`automation.condition.${condition.type}` as Key);
  switch (condition.type) {
    case 'intent': return `${label}: ${condition.intents.map((intent) => (exists(intent) === false ? t('automation.intentMissing', { name: intent }) : `${named(intent)} (${intent})`)).join(', ')}`;
    case 'language': return `${label}: ${condition.languages.map((l) => (l === 'zh' ? '中文' : 'English')).join(', ')}`;
    case 'pageUrlContains': return `${label}: ${condition.text}`;
    case 'customerIdentified': return `${label}: ${t(condition.identified ? 'automation.yes' : 'automation.no')}`;
    default: return `${label}: ${(condition as unknown as Record<string, string[]>)[LIST_FIELD[condition.type]]!.join(', ')}`;
  }
}

function ConditionFields({ condition, step, onChange }: { condition: Condition; step: number; onChange(next: Condition): void }) {
  const named = `${t('automation.conditionStep', { step })} ${t(`automation.condition.${condition.type}` as Key)}`;
  switch (condition.type) {
    case 'language':
      return (
        <select aria-label={named} value={condition.languages[0]} onChange={(e) => onChange({ type: 'language', languages: [e.currentTarget.value as 'en' | 'zh'] })}>
          <option value="en">English</option><option value="zh">中文</option>
        </select>
      );
    case 'customerIdentified':
      return (
        <select aria-label={named} value={String(condition.identified)} onChange={(e) => onChange({ type: 'customerIdentified', identified: e.currentTarget.value === 'true' })}>
          <option value="true">{t('automation.yes')}</option><option value="false">{t('automation.no')}</option>
        </select>
      );
    case 'pageUrlContains':
      return <input required maxLength={200} aria-label={named} data-testid="rule-condition-text" value={condition.text} onInput={(e) => onChange({ type: 'pageUrlContains', text: e.currentTarget.value })} />;
    default: {
      const field = LIST_FIELD[condition.type];
      const typed = (condition as unknown as Record<string, string[]>)[field]!;
      return (
        <>
          <input required maxLength={2000} aria-label={named} placeholder={t('automation.termsHint')} data-testid="rule-condition-terms"
            value={typed.join(', ')} onInput={(e) => onChange({ ...condition, [field]: [e.currentTarget.value] } as Condition)} />
          {condition.type === 'intent' && <TypedIntents typed={typed} />}
        </>
      );
    }
  }
}

/** The intents typed in a condition (by name) as the console calls them elsewhere (chats, reports): the admin sees which they mean. */
function TypedIntents({ typed }: { typed: string[] }) {
  const named = useIntentNames();
  const exists = useIntentExists();
  const names = splitCondition({ type: 'intent', intents: typed }) as { intents: string[] };
  if (!names.intents.length) return null;
  const missing = names.intents.filter((name) => exists(name) === false);
  return (
    <>
      <span class="muted small" data-testid="rule-condition-intent-names">{names.intents.filter((name) => !missing.includes(name)).map(named).join(', ')}</span>
      {missing.length > 0 && <span class="error small" data-testid="rule-condition-intent-missing">{t('automation.intentsMissing', { names: missing.join(', ') })}</span>}
    </>
  );
}

export function AutomationTab() {
  const list = useLoad(() => get<{ items: Rule[] }>('/api/admin/automation-rules'), []);
  const teams = useLoad(() => get<{ items: { id: number; name: string }[] }>('/api/teams'), []);
  const teamList = teams.data?.items ?? [];
  const [editing, setEditing] = useState<number | null>(null);
  const [name, setName] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [trigger, setTrigger] = useState<Trigger>('handoff');
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [actions, setActions] = useState<RuleAction[]>([]);
  const { error, setError, run: write } = useListChange(list, REFUSALS);
  const rules = list.data?.items ?? [];
  const named = useIntentNames();
  const exists = useIntentExists();

  const reset = () => { setEditing(null); setName(''); setEnabled(true); setTrigger('handoff'); setConditions([]); setActions([]); setError(null); };
  const edit = (rule: Rule) => {
    setEditing(rule.id); setName(rule.name); setEnabled(rule.enabled); setTrigger(rule.trigger);
    setConditions(rule.conditions); setActions(rule.actions); setError(null);
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = { name, enabled, trigger, conditions: conditions.map(splitCondition), actions: actions.map((a) => splitLabels(a) as RuleAction) };
    if (await write(() => (editing ? put(`/api/admin/automation-rules/${editing}`, body) : post('/api/admin/automation-rules', body)))) reset();
  };
  const toggle = (rule: Rule) => void write(() => put(`/api/admin/automation-rules/${rule.id}`, {
    name: rule.name, enabled: !rule.enabled, trigger: rule.trigger, conditions: rule.conditions, actions: rule.actions,
  }));
  const allowed = (type: string) => trigger === 'handoff' || !HANDOFF_ONLY.has(type);

  return (
    <section class="card stack automation-rules" data-testid="automation-rules" aria-labelledby="automation-title">
      <h3 id="automation-title">{t('automation.title')}</h3>
      <p class="muted small">{t('automation.explain')}</p>
      {list.data && !rules.length && <p class="muted small">{t('automation.empty')}</p>}
      {rules.length > 0 && (
        <ol class="plain">
          {rules.map((rule) => (
            <li key={rule.id} class="macro-item" data-testid="rule-item">
              <strong>{rule.name}</strong> {!rule.enabled && <span class="badge">{t('automation.off')}</span>}
              {rule.conditions.some((c) => c.type === 'intent' && c.intents.some((name) => exists(name) === false))
                && <span class="badge error" data-testid="rule-intent-missing">{t('automation.intentMissingBadge')}</span>}
              <div class="muted small">
                {t(`automation.trigger.${rule.trigger}` as Key)}
                {rule.conditions.length > 0 && ` · ${rule.conditions.map((c) => conditionSummary(c, named, exists)).join(' · ')}`}
                {' → '}{rule.actions.map((a) => actionSummary(a, teamList)).join(' → ')}
              </div>
              <div class="inline">
                <button type="button" class="small" data-testid="rule-edit" onClick={() => edit(rule)}>{t('edit')}</button>
                <button type="button" class="small" data-testid="rule-toggle" aria-pressed={rule.enabled} onClick={() => toggle(rule)}>{t('automation.on')}</button>
                <ConfirmButton danger testId="rule-delete" question={t('automation.deleteConfirm', { name: rule.name })}
                  onConfirm={() => void write(() => del(`/api/admin/automation-rules/${rule.id}`))}>{t('delete')}</ConfirmButton>
              </div>
            </li>
          ))}
        </ol>
      )}
      <form class="stack" onSubmit={submit} data-testid="rule-form">
        <label>{t('automation.name')}
          <input required maxLength={80} data-testid="rule-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>{t('automation.when')}
          <select data-testid="rule-trigger" value={trigger} onChange={(e) => {
            const next = e.currentTarget.value as Trigger;
            setTrigger(next);
            // What the new trigger cannot have goes, so the form never holds a rule the server refuses for it.
            if (next !== 'handoff') { setConditions(conditions.filter((c) => !HANDOFF_ONLY.has(c.type))); setActions(actions.filter((a) => !HANDOFF_ONLY.has(a.type))); }
          }}>
            {TRIGGERS.map((x) => <option key={x} value={x}>{t(`automation.trigger.${x}` as Key)}</option>)}
          </select>
        </label>
        <label class="check"><input type="checkbox" data-testid="rule-enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />{t('automation.on')}</label>
        <fieldset class="stack">
          <legend>{t('automation.conditions')}</legend>
          <ol class="stack macro-actions">
            {conditions.map((condition, index) => (
              <li key={index} class="inline" data-testid="rule-condition">
                <strong>{t(`automation.condition.${condition.type}` as Key)}</strong>
                <ConditionFields condition={condition} step={index + 1} onChange={(next) => setConditions(conditions.map((c, i) => (i === index ? next : c)))} />
                <button type="button" class="small" aria-label={t('automation.removeCondition', { step: index + 1 })} onClick={() => setConditions(conditions.filter((_, i) => i !== index))}>✕</button>
              </li>
            ))}
          </ol>
          {conditions.length < MAX_CONDITIONS && (
            <label>{t('automation.addCondition')}
              <select data-testid="rule-add-condition" value="" onChange={(e) => {
                const type = e.currentTarget.value as Condition['type'];
                if (type) setConditions([...conditions, blankCondition(type)]);
                e.currentTarget.value = '';
              }}>
                <option value="">—</option>
                {CONDITION_TYPES.filter(allowed).map((type) => <option key={type} value={type}>{t(`automation.condition.${type}` as Key)}</option>)}
              </select>
            </label>
          )}
        </fieldset>
        <fieldset class="stack">
          <legend>{t('automation.then')}</legend>
          <ol class="stack macro-actions">
            {actions.map((action, index) => (
              <li key={index} class="inline" data-testid="rule-action">
                <strong>{t(`macros.action.${action.type}` as Key)}</strong>
                <ActionFields action={action} step={index + 1} teams={teamList} onChange={(next) => setActions(actions.map((a, i) => (i === index ? next as RuleAction : a)))} />
                <button type="button" class="small" aria-label={t('macros.removeStep', { step: index + 1 })} onClick={() => setActions(actions.filter((_, i) => i !== index))}>✕</button>
              </li>
            ))}
          </ol>
          {actions.length < MAX_ACTIONS && (
            <label>{t('macros.addAction')}
              <select data-testid="rule-add-action" value="" onChange={(e) => {
                const type = e.currentTarget.value as RuleAction['type'];
                if (type) setActions([...actions, blankAction(type, teamList) as RuleAction]);
                e.currentTarget.value = '';
              }}>
                <option value="">—</option>
                {ACTION_TYPES.filter((type) => allowed(type) && (type !== 'transferToTeam' || teamList.length > 0))
                  .map((type) => <option key={type} value={type}>{t(`macros.action.${type}` as Key)}</option>)}
              </select>
            </label>
          )}
        </fieldset>
        {error && <p class="error" role="alert" data-testid="rules-error">{error}</p>}
        <div class="inline">
          <button class="primary" type="submit" data-testid="rule-save" disabled={!actions.length}>{editing ? t('save') : t('add')}</button>
          {editing && <button type="button" onClick={reset}>{t('cancel')}</button>}
        </div>
      </form>
    </section>
  );
}
