// A short list of words edited in place: chips with a remove button and a box
// to add one. Serves the customer's tags (about the person, across chats) and the
// conversation's labels (about this chat only).
import { useState } from 'preact/hooks';
import { errorText } from './api.ts';
import { t } from './i18n.ts';

export function ChipsEditor({ values, onAdd, onRemove, placeholder, testId, inputTestId, suggestions = [], maxLength = 40, caption, title }: {
  values: string[];
  /** Each saves one change; a rejection (the server's reason) is shown under the box and the typed text stays. */
  onAdd(value: string): Promise<unknown>;
  onRemove(value: string): Promise<unknown>;
  placeholder: string;
  testId: string;
  inputTestId: string;
  /** Offered while typing (a datalist), e.g. the labels already in use. */
  suggestions?: string[];
  maxLength?: number;
  /** A short name shown before the chips, and a longer explanation on hover: tags and labels look alike otherwise. */
  caption?: string;
  title?: string;
}) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  // One change at a time: a second Enter before the first is saved would otherwise build on a stale list.
  const [busy, setBusy] = useState(false);
  const run = async (change: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await change();
      setError(null);
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async () => {
    const value = draft.trim();
    if (!value || values.some((v) => v.toLowerCase() === value.toLowerCase())) return setDraft('');
    if (await run(() => onAdd(value))) setDraft('');
  };
  const listId = `${testId}-suggestions`;
  return (
    <div class="chips-editor" title={title}>
      {caption && <span class="muted small chips-caption" data-testid={`${testId}-caption`}>{caption}</span>}
      <div class="tags" data-testid={testId}>
        {values.map((value) => (
          <span class="tag" key={value}>{value} <button class="link" disabled={busy} aria-label={`${t('remove')} ${value}`} onClick={() => void run(() => onRemove(value))}>×</button></span>
        ))}
      </div>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); if (!busy) void add(); }}>
        <input data-testid={inputTestId} maxLength={maxLength} placeholder={placeholder} aria-label={placeholder} value={draft} list={suggestions.length ? listId : undefined}
          onInput={(e) => setDraft(e.currentTarget.value)} />
        {suggestions.length > 0 && <datalist id={listId}>{suggestions.filter((s) => !values.includes(s)).map((s) => <option key={s} value={s} />)}</datalist>}
        <button type="submit" disabled={busy}>{t('add')}</button>
      </form>
      {error && <p class="error small" role="alert">{error}</p>}
    </div>
  );
}
