// The team setting "Set agents Away after N minutes without activity" (Team & settings → Team, beside capacity and
// languages, the other settings that decide who gets chats). The server checks the value; this shows its sentence.
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, put } from '../api.ts';
import { t } from '../i18n.ts';

interface TeamSettings { awayAfterMinutes: number }

export function AwaySetting() {
  const [value, setValue] = useState<string>('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    get<TeamSettings>('/api/admin/team-settings').then((s) => setValue(String(s.awayAfterMinutes)), (err) => setStatus({ ok: false, text: errorText(err) }));
  }, []);
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      // Sent as typed (a number when it is one): a value out of range comes back with the server's sentence.
      const typed = value.trim() === '' ? value : Number(value);
      const saved = await put<TeamSettings>('/api/admin/team-settings', { awayAfterMinutes: typed });
      setValue(String(saved.awayAfterMinutes));
      setStatus({ ok: true, text: t('saved') });
    } catch (err) {
      setStatus({ ok: false, text: errorText(err) });
    }
  };
  return (
    <div data-testid="away-setting">
      <h4>{t('team.awayTitle')}</h4>
      <form class="inline wrap" onSubmit={save}>
        <span id="away-after-label">{t('team.awayAfter')}</span>
        <input type="number" min={0} max={240} step={1} class="narrow" name="awayAfterMinutes" aria-labelledby="away-after-label away-after-unit"
          value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <span id="away-after-unit">{t('team.awayAfterUnit')}</span>
        <button class="primary" type="submit">{t('save')}</button>
        {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'} data-testid="away-setting-status">{status.text}</span>}
      </form>
      <p class="muted">{t('team.awayHint')}</p>
    </div>
  );
}
