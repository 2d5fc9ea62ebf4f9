// A file an agent sends in a chat whose upload got no answer (console/src/file-retries.ts), in Debian's Chromium
// against a real server, Postgres and Redis: the upload reaches the server, which sends the file, but the connection
// drops before the answer comes. The agent picks the same file again: the console sends it with the first attempt's
// client id, the server recognises the repeat (attachment-routes.ts: one message, the copy dropped) and the shopper gets
// the file once. Once an upload is answered, picking the file again is a new message.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';

const bed = consoleTestBed();

/** A shopper's chat handed to a person and held by the demo agent. */
async function heldChat(question: string): Promise<number> {
  const session = await widgetSession(bed.stack.url, {});
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `file-retry-${question.length}`, text: question });
  await callOk(shopper, 'handoff:request', { conversationId });
  await heldByTheDemoAgent(bed, conversationId);
  return conversationId;
}

describe('a file sent again after its upload got no answer', () => {
  it('goes with the same client id, so the shopper gets it once; after an answer it is a new message', async () => {
    const conversationId = await heldChat('Can I have a returns label?');
    // A file on disk: picked twice, the browser gives the same name, size and time of change.
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'file-retry-')), 'return-label.pdf');
    await writeFile(file, '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const sentLabels = async () => (await bed.stack.env.sql<{ n: number }[]>`
      select count(*)::int as n from messages where conversation_id = ${conversationId} and author_type = 'agent' and body = '📎 return-label.pdf'`)[0]!.n;
    const storedFiles = async () => (await bed.stack.env.sql<{ n: number }[]>`
      select count(*)::int as n from attachments where conversation_id = ${conversationId}`)[0]!.n;

    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const clientIds: string[] = [];
    const answered: number[] = [];
    let loseNextAnswer = true;
    await page.route(`**/api/conversations/${conversationId}/attachments?*`, async (route) => {
      clientIds.push(new URL(route.request().url()).searchParams.get('clientId')!);
      if (!loseNextAnswer) {
        await route.continue();
        return;
      }
      loseNextAnswer = false;
      // The upload reaches the server and is sent; its answer never reaches the page.
      await route.fetch();
      await route.abort('connectionreset');
    });
    page.on('response', (response) => {
      if (response.url().includes(`/api/conversations/${conversationId}/attachments`)) answered.push(response.status());
    });
    const attach = page.getByTestId('attach-file');
    const pick = async () => {
      await expect.poll(() => attach.isDisabled()).toBe(false); // the upload before has ended
      await page.getByTestId('attach-input').setInputFiles(file);
    };

    await pick();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toBe('The server could not be reached: check the connection and try again.');
    expect(await sentLabels()).toBe(1); // it did get through

    // The agent tries again: the same client id; the server keeps its one message and drops the copy.
    await pick();
    await expect.poll(() => answered).toEqual([200]);
    expect(clientIds).toHaveLength(2);
    expect(clientIds[1]).toBe(clientIds[0]);
    expect(await sentLabels()).toBe(1);
    expect(await storedFiles()).toBe(1);
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);

    // Answered: the same file picked again is a new message.
    await pick();
    await expect.poll(() => answered).toEqual([200, 200]);
    expect(clientIds[2]).not.toBe(clientIds[0]);
    expect(await sentLabels()).toBe(2);
    expect(await storedFiles()).toBe(2);
    expect(errors).toEqual([]);
  });
});
