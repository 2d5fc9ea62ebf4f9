// "Export JSON" / "Import JSON" for the admin pages whose API has both (articles,
// intents, products): the export downloads the import format, so a shop can keep its
// content in a file, move it between installs, or edit it in bulk.
import { useRef, useState } from 'preact/hooks';
import { api, errorText, get } from './api.ts';
import { t } from './i18n.ts';

export function JsonTransfer({ exportPath, importPath, importMethod = 'POST', fileName, summarise, onImported }: {
  exportPath: string;
  importPath: string;
  /** The products feed takes its file with PUT. */
  importMethod?: 'POST' | 'PUT';
  /** The downloaded file's name, without the date. */
  fileName: string;
  /** What the import did, in the admin's words ("3 created, 1 updated"). */
  summarise(result: Record<string, unknown>): string;
  onImported(): void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

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

  const upload = async (file: File | undefined) => {
    if (!file) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch {
      setMessage({ ok: false, text: t('transfer.notJson', { name: file.name }) });
      return;
    }
    try {
      // The server validates the whole file and says what is wrong with it; nothing is half-imported.
      const result = await api<Record<string, unknown>>(importMethod, importPath, parsed);
      setMessage({ ok: true, text: summarise(result) });
      onImported();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      if (picker.current) picker.current.value = '';
    }
  };

  return (
    <div class="json-transfer">
      <button type="button" class="small" data-testid="export-json" onClick={download}>{t('transfer.export')}</button>
      <button type="button" class="small" data-testid="import-json" onClick={() => picker.current?.click()}>{t('transfer.import')}</button>
      <input ref={picker} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(e) => void upload(e.currentTarget.files?.[0])} />
      {message && <p class={message.ok ? 'ok small' : 'error small'} role={message.ok ? 'status' : 'alert'} data-testid="transfer-result">{message.text}</p>}
    </div>
  );
}
