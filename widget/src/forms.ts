// The widget's cards: pre-chat form, leave-a-message form and the rating
// prompt. Each is plain DOM with labelled fields, errors announced through
// role=alert (the field at fault marked aria-invalid and described by it until it
// is corrected), and focus moved to the first field when the card appears. Focus
// never falls out of a card: a button busy sending stays focusable
// (aria-disabled), and a card replaced by its thanks hands focus to the thanks.
import { h, whileBusy } from './dom.ts';
import { refusalText, type Strings } from './i18n.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
let fieldCounter = 0;

function field(label: string, control: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
  control.id = `sd-f${++fieldCounter}`;
  const l = h('label', { for: control.id }, label);
  l.appendChild(control);
  return l;
}

function errorLine(): HTMLElement {
  return h('p', { id: `sd-e${++fieldCounter}`, class: 'error', role: 'alert', hidden: true });
}

function showError(el: HTMLElement, text: string | null): void {
  el.textContent = text ?? '';
  el.hidden = !text;
}

/**
 * Checks the fields in order; the first one `bad` (its error text) is marked invalid, described by the error line and
 * focused, the others unmarked. Returns whether all are fine. A marked field loses its mark, and the error line its
 * text, as soon as the shopper's correction makes it fine (WCAG 3.3.1).
 */
function validated(error: HTMLElement, checks: [HTMLInputElement | HTMLTextAreaElement, () => string | null][]): boolean {
  let failed = false;
  for (const [control, bad] of checks) {
    const text = failed ? null : bad();
    if (!text) {
      unmark(control);
      continue;
    }
    failed = true;
    showError(error, text);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', error.id);
    control.focus();
    control.oninput = () => {
      if (bad()) return;
      unmark(control);
      showError(error, null);
    };
  }
  return !failed;
}

function unmark(control: HTMLInputElement | HTMLTextAreaElement): void {
  control.removeAttribute('aria-invalid');
  control.removeAttribute('aria-describedby');
  control.oninput = null;
}

/** Runs an async submit once at a time (the button busy meanwhile, whileBusy); shows the error message when it fails. */
async function submitting(button: HTMLButtonElement, error: HTMLElement, t: Strings, run: () => Promise<void>): Promise<void> {
  await whileBusy(button, async () => {
    showError(error, null);
    try {
      await run();
    } catch (e) {
      // (fileOffline, capitalised: t.offline promises to send by itself, which a form does not.)
      showError(error, !(e instanceof Error) || !e.message ? t.error : e.message === 'offline' ? t.fileOffline[0].toUpperCase() + t.fileOffline.slice(1) : e.message);
    }
  });
}

/**
 * Replaces a sent form's fields with its thanks. When focus was in the form (on its send button, most often) it moves
 * to the thanks, made focusable for that: removing the focused button would otherwise drop focus to the page.
 */
function thank(form: HTMLElement, text: string, ...after: HTMLElement[]): void {
  const root = form.getRootNode() as Document | ShadowRoot;
  const hadFocus = form.contains(root.activeElement);
  const thanks = h('p', { role: 'status', tabindex: '-1' }, text);
  form.replaceChildren(thanks, ...after);
  if (hadFocus) thanks.focus();
}

function ackError(t: Strings, result: { ok: boolean; error?: { code?: string; message: string } }): void {
  if (!result.ok) throw new Error(refusalText(t, result.error));
}

export function prechatCard(t: Strings, onSubmit: (profile: { name?: string; email?: string }) => Promise<void>, onSkip: () => void): HTMLElement {
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'name' });
  const email = h('input', { type: 'email', maxlength: 254, autocomplete: 'email' });
  const error = errorLine();
  const start = h('button', { type: 'submit', class: 'primary' }, t.startChat);
  const skip = h('button', { type: 'button', class: 'secondary' }, t.skip);
  const form = h('form', { class: 'card', 'aria-labelledby': 'sd-prechat-title' },
    h('h3', { id: 'sd-prechat-title' }, t.prechatTitle),
    h('p', {}, t.prechatIntro),
    field(t.nameOptional, name),
    field(t.email, email),
    error,
    h('div', { class: 'row' }, start, skip));
  skip.addEventListener('click', onSkip);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const profile = { name: name.value.trim() || undefined, email: email.value.trim() || undefined };
    if (!validated(error, [[email, () => (email.value.trim() && !EMAIL.test(email.value.trim()) ? t.invalidEmail : null)]])) return;
    void submitting(start, error, t, () => onSubmit(profile));
  });
  return form;
}

export function offlineCard(
  t: Strings,
  intro: string,
  /** The server's MAX_MESSAGE_CHARS: a longer message is refused here with the reason (never cut without a word). */
  maxChars: number,
  send: (input: { email: string; name?: string; text: string }) => Promise<{ ok: boolean; error?: { message: string } }>,
  onCancel: () => void,
  onSent: () => void = () => {},
): HTMLElement {
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'name' });
  const email = h('input', { type: 'email', maxlength: 254, autocomplete: 'email', required: true });
  const text = h('textarea', { required: true });
  const error = errorLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t.submit);
  const cancel = h('button', { type: 'button', class: 'secondary' }, t.cancel);
  const form = h('form', { class: 'card', 'aria-labelledby': 'sd-offline-title', novalidate: true },
    h('h3', { id: 'sd-offline-title' }, t.offlineTitle),
    h('p', {}, intro),
    field(t.email, email),
    field(t.nameOptional, name),
    field(t.message, text),
    error,
    h('div', { class: 'row' }, submit, cancel));
  cancel.addEventListener('click', onCancel);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = { email: email.value.trim(), name: name.value.trim() || undefined, text: text.value.trim() };
    const ok = validated(error, [
      [email, () => (EMAIL.test(email.value.trim()) ? null : t.invalidEmail)],
      [text, () => {
        const words = text.value.trim();
        return !words ? t.messageRequired : words.length > maxChars ? t.tooLong(maxChars) : null;
      }],
    ]);
    if (!ok) return;
    void submitting(submit, error, t, async () => {
      ackError(t, await send(input.name ? input : { email: input.email, text: input.text }));
      thank(form, t.offlineSent);
      onSent();
    });
  });
  return form;
}

export function csatCard(
  t: Strings,
  send: (rating: number, comment: string) => Promise<{ ok: boolean; error?: { message: string } }>,
  onRated: () => void,
  extra: HTMLElement,
): HTMLElement {
  let rating = 0;
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h('button', { type: 'button', role: 'radio', 'aria-checked': 'false', 'aria-label': t.csatRating(n), tabindex: n === 1 ? 0 : -1, 'data-rating': n }, String(n)));
  const choose = (n: number, focus: boolean) => {
    rating = n;
    stars.forEach((star, i) => {
      star.setAttribute('aria-checked', String(i + 1 === n));
      star.tabIndex = i + 1 === n ? 0 : -1;
    });
    if (focus) stars[n - 1].focus();
  };
  stars.forEach((star, i) => {
    star.addEventListener('click', () => choose(i + 1, false));
    // Arrow keys move within the radio group, as a native radio group would.
    star.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' || event.key === 'ArrowUp' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowDown' ? -1 : 0;
      if (!step) return;
      event.preventDefault();
      choose(((Math.max(rating, 1) - 1 + step + 5) % 5) + 1, true);
    });
  });
  const comment = h('textarea', { maxlength: 2000 });
  const error = errorLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, t.csatSubmit);
  const form = h('form', { class: 'card csat', 'aria-labelledby': 'sd-csat-title' },
    h('h3', { id: 'sd-csat-title' }, t.csatTitle),
    h('div', { class: 'stars', role: 'radiogroup', 'aria-labelledby': 'sd-csat-title' }, ...stars),
    field(t.csatComment, comment),
    error,
    h('div', { class: 'row' }, submit),
    extra);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!rating) return showError(error, t.csatChooseRating);
    void submitting(submit, error, t, async () => {
      ackError(t, await send(rating, comment.value.trim()));
      thank(form, t.csatThanks, extra);
      onRated();
    });
  });
  return form;
}
