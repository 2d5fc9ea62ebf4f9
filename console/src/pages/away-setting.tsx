// Team settings measured in minutes, on Team & settings → Team beside capacity and languages: when an idle agent is
// set Away (who gets chats), and the first-reply target (how soon a handed-off shopper should hear from someone).
// Each form saves only its own setting; the server checks the value and answers a sentence when it is out of range.
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, put } from '../api.ts';
import { t, type Key } from '../i18n.ts';

interface TeamSettings { awayAfterMinutes: number; firstReplyTargetMinutes: number }

export const AwaySetting = () => (
  <MinutesSetting name="awayAfterMinutes" testId="away-setting" max={240} title="team.awayTitle" label="team.awayAfter" unit="team.awayAfterUnit" hint="team.awayHint" />
);

export const FirstReplyTargetSetting = () => (
  <MinutesSetting name="firstReplyTargetMinutes" testId="first-reply-setting" max={1440} title="team.targetTitle" label="team.targetLabel" unit="team.targetUnit" hint="team.targetHint" />
);

function MinutesSetting({ name, testId, max, title, label, unit, hint }: {
  name: keyof TeamSettings; testId: string; max: number; title: Key; label: Key; unit: Key; hint: Key;
}) {
  const [value, setValue] = useState<string>('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    get<TeamSettings>('/api/admin/team-settings').then((s) => setValue(String(s[name])), (err) => setStatus({ ok: false, text: errorText(err) }));
  }, []);
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      // Sent as typed (a number when it is one): a value out of range comes back with the server's sentence.
      const typed = value.trim() === '' ? value : Number(value);
      const saved = await put<TeamSettings>('/api/admin/team-settings', { [name]: typed });
      setValue(String(saved[name]));
      setStatus({ ok: true, text: t('saved') });
    } catch (err) {
      setStatus({ ok: false, text: errorText(err) });
    }
  };
  return (
    <div data-testid={testId}>
      <h4>{t(title)}</h4>
      <form class="inline wrap" onSubmit={save}>
        <span id={`${name}-label`}>{t(label)}</span>
        <input type="number" min={0} max={max} step={1} class="narrow" name={name} aria-labelledby={`${name}-label ${name}-unit`}
          value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <span id={`${name}-unit`}>{t(unit)}</span>
        <button class="primary" type="submit">{t('save')}</button>
        {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'} data-testid={`${testId}-status`}>{status.text}</span>}
      </form>
      <p class="muted">{t(hint)}</p>
    </div>
  );
}
