// A button that asks before it acts (delete, revoke, rotate): the browser's own confirm dialog, which screen readers
// and the keyboard already handle, and the action only when the admin says yes.
import type { ComponentChildren } from 'preact';

export function ConfirmButton({ question, onConfirm, danger = false, disabled = false, testId, children }: {
  question: string; onConfirm(): void; danger?: boolean; disabled?: boolean; testId?: string; children: ComponentChildren;
}) {
  return (
    <button type="button" class={danger ? 'small danger' : 'small'} data-testid={testId} disabled={disabled}
      onClick={() => { if (confirm(question)) onConfirm(); }}>{children}</button>
  );
}
