// Files in a chat: a shopper sends a photo, the bot hands the chat to a person, the agent sees it and sends one
// back; only real images and PDFs within the size cap are taken, only with a token, and deleting the customer
// deletes their files.
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { connectAgent, connectWidget, nextAgentMessage, nextEvent, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import sharp from 'sharp';
import { solidPng } from '../support/png.ts';

// Above the server's 256 KB limit for JSON bodies: files have their own cap.
const MAX_BYTES = 1024 * 1024;
const PNG = await solidPng(4, 3, [200, 30, 30]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let stack: TestStack;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack({ config: { maxAttachmentBytes: MAX_BYTES } });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await stack?.close();
});

/** A black 1-bit grey PNG of the given size, built by hand: its rows of zeros compress to almost nothing. */
function blankPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // each row: filter byte 0, then the pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function upload(path: string, auth: string | null, body: Buffer, contentType: string, query: Record<string, string>) {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (auth) headers[auth.startsWith('sd_session=') ? 'cookie' : 'authorization'] = auth;
  const response = await fetch(`${stack.url}${path}?${new URLSearchParams(query)}`, { method: 'POST', headers, body: new Uint8Array(body) });
  return { status: response.status, body: await response.json() as any };
}

async function shopper(): Promise<{ token: string; customerId: number; socket: WidgetClient }> {
  const session = await widgetSession(stack.url, { name: 'Pat Photo', email: 'pat@example.com' });
  const socket = await connectWidget(stack.url, session.visitorToken);
  sockets.push(socket);
  return { token: `Bearer ${session.visitorToken}`, customerId: session.customerId, socket };
}

describe('attachments', () => {
  it('a shopper sends a photo: the message carries it, the bot hands off, agents open it; an agent sends a PDF back', async () => {
    const { token, socket } = await shopper();
    const { token: agentToken, cookie } = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = connectAgent(stack.url, agentToken);
    sockets.push(await agent);
    const seenByAgent = nextAgentMessage(await agent, (m) => m.author.type === 'customer' && m.text === 'It arrived cracked');
    const queued = nextEvent(socket, 'conversation:updated', (c: { status: string }) => c.status === 'queued');
    const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');

    const sent = await upload('/api/widget/attachments', token, PNG, 'image/png', { clientId: 'photo-1', name: '../../etc/cracked vase.png', caption: 'It arrived cracked' });
    expect(sent.status).toBe(200);
    expect(sent.body.attachment).toMatchObject({ name: 'cracked vase.png', contentType: 'image/png' });
    const message = await seenByAgent;
    expect((message.metadata as Record<string, unknown>).attachments).toEqual([sent.body.attachment]);
    // The bot cannot look at a photo: a person gets the chat.
    expect((await botReply).metadata).toMatchObject({ decision: 'handoff', reason: 'attachment' });
    await queued;

    // The file comes back byte for byte, as what it is, never as a page.
    const file = await fetch(`${stack.url}${sent.body.attachment.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-security-policy')).toContain('sandbox');
    const served = Buffer.from(await file.arrayBuffer());
    expect(served.length).toBe(sent.body.attachment.size);
    expect(await sharp(served).metadata()).toMatchObject({ format: 'png', width: 4, height: 3 }); // the same picture, re-encoded
    // The key in the URL is what grants access: a wrong one is not found.
    const guessed = sent.body.attachment.url.replace(/\/api\/attachments\/(\d+)\/[^/]+\//, '/api/attachments/$1/AAAAAAAAAAAAAAAAAAAAAAAA/');
    expect((await fetch(`${stack.url}${guessed}`)).status).toBe(404);

    // A retried upload (same client id) is one message and one stored file.
    const again = await upload('/api/widget/attachments', token, PNG, 'image/png', { clientId: 'photo-1', name: 'cracked vase.png' });
    expect(again.body).toMatchObject({ duplicate: true, id: sent.body.id, attachment: sent.body.attachment });
    const [{ n }] = await stack.env.sql`select count(*)::int as n from attachments where conversation_id = ${sent.body.conversationId}`;
    expect(n).toBe(1);

    // The agent answers with a PDF (a returns label); the shopper receives it.
    const toShopper = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'agent');
    const label = await upload(`/api/conversations/${sent.body.conversationId}/attachments`, cookie, PDF, 'application/pdf', { clientId: 'label-1', name: 'return-label.pdf' });
    expect(label.status).toBe(200);
    const received = await toShopper;
    expect(received.text).toBe('📎 return-label.pdf'); // transcripts and history stay readable
    expect(received.metadata).toMatchObject({ fileOnly: true });
    expect(message.metadata).not.toHaveProperty('fileOnly'); // it had a caption
    expect((received.metadata as Record<string, unknown>).attachments).toEqual([label.body.attachment]);
    const pdf = await fetch(`${stack.url}${label.body.attachment.url}`);
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('refuses what is not an accepted file, too large, or without a token, and stores nothing', async () => {
    const { token } = await shopper();
    const refused: [Buffer, string, string | null, number, string][] = [
      [Buffer.from('<html><script>alert(1)</script></html>'), 'image/png', token, 415, 'unsupported_file'], // not what it claims
      [PNG, 'text/html', token, 415, 'fst_err_ctp_invalid_media_type'],
      [Buffer.concat([PNG, Buffer.alloc(MAX_BYTES)]), 'image/png', token, 413, 'too_large'],
      [PNG, 'image/png', null, 401, 'unauthorized'],
      [PNG, 'image/png', 'Bearer forged.token', 401, 'unauthorized'],
    ];
    for (const [body, type, auth, status, code] of refused) {
      const result = await upload('/api/widget/attachments', auth, body, type, { clientId: `bad-${status}-${code}` });
      expect(result.status, `${type} ${status}`).toBe(status);
      expect(result.body.error.code, `${type} ${status}`).toBe(code);
    }
    expect((await upload('/api/widget/attachments', token, PNG, 'image/png', { clientId: 'x', extra: '1' })).status).toBe(400);
    // A phone photo under the cap is taken (sent as a browser may: octet-stream), and stored without where it was
    // taken or with what, turned upright and no larger than a chat needs.
    const photo = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 120, g: 90, b: 60 }, noise: { type: 'gaussian', mean: 128, sigma: 20 } } })
      .jpeg({ quality: 30 }).withMetadata({ orientation: 6, exif: { IFD0: { Make: 'TestPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } } }).toBuffer();
    expect(photo.length).toBeGreaterThan(256 * 1024); // above the JSON body limit: files have their own
    expect(await sharp(photo).metadata()).toMatchObject({ orientation: 6, exif: expect.any(Buffer) });
    const big = await upload('/api/widget/attachments', token, photo, 'application/octet-stream', { clientId: 'big-photo', name: 'IMG_2041.JPG' });
    expect(big.status).toBe(200);
    expect(big.body.attachment).toMatchObject({ contentType: 'image/jpeg' });
    const stored = await sharp(Buffer.from(await (await fetch(`${stack.url}${big.body.attachment.url}`)).arrayBuffer())).metadata();
    expect({ exif: stored.exif, width: stored.width, height: stored.height }).toEqual({ exif: undefined, width: 1707, height: 2560 }); // rotated 90°, shrunk
    // A GIF is cleaned the same way and stays a GIF.
    const sentGif = await sharp({ create: { width: 30, height: 20, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 1 } } }).gif().toBuffer();
    const gif = await upload('/api/widget/attachments', token, sentGif, 'image/gif', { clientId: 'gif' });
    const storedGif = await sharp(Buffer.from(await (await fetch(`${stack.url}${gif.body.attachment.url}`)).arrayBuffer())).metadata();
    expect({ format: storedGif.format, width: storedGif.width }).toEqual({ format: 'gif', width: 30 });
    const damaged = await upload('/api/widget/attachments', token, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)]), 'image/jpeg', { clientId: 'damaged' });
    expect(damaged.status).toBe(415);
    expect(damaged.body.error.message).toMatch(/could not be read/);
    // A few KB that would decode to 256 megapixels (seconds of a core each) is refused from its header, at once.
    const bomb = blankPng(16_000, 16_000);
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    const started = process.hrtime.bigint();
    const refusedBomb = await upload('/api/widget/attachments', token, bomb, 'image/png', { clientId: 'bomb' });
    const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(refusedBomb.status).toBe(415);
    expect(refusedBomb.body.error.message).toBe('The image could not be read: it may be damaged, or larger than 64 megapixels.');
    console.log(`[attachments] a 256-megapixel PNG of ${bomb.length} bytes refused in ${tookMs.toFixed(0)} ms`);
    // Another shopper's conversation is not found; an agent route needs an agent.
    const other = await shopper();
    const theirs = await upload('/api/widget/attachments', other.token, PNG, 'image/png', { clientId: 'theirs', caption: 'mine' });
    const intrusion = await upload('/api/widget/attachments', token, PNG, 'image/png', { clientId: 'intrude', conversationId: String(theirs.body.conversationId) });
    expect(intrusion.status).toBe(404);
    expect((await upload(`/api/conversations/${theirs.body.conversationId}/attachments`, token, PNG, 'image/png', { clientId: 'y' })).status).toBe(401);
    const [{ n }] = await stack.env.sql`select count(*)::int as n from attachments where customer_id = (select customer_id from conversations where id = ${theirs.body.conversationId})`;
    expect(n).toBe(1); // only the shopper's own photo: every refused upload left nothing behind
  });

  it("deleting a customer deletes their files; the export lists them", async () => {
    const { token, customerId } = await shopper();
    const sent = await upload('/api/widget/attachments', token, PNG, 'image/png', { clientId: 'gdpr', name: 'receipt.png' });
    const { cookie } = await login(stack.url, stack.admin.email, stack.admin.password);
    const exported = await (await fetch(`${stack.url}/api/admin/customers/${customerId}/export`, { headers: { cookie } })).json() as any;
    expect(exported.attachments).toEqual([expect.objectContaining({ file_name: 'receipt.png', url: sent.body.attachment.url })]);
    const deleted = await fetch(`${stack.url}/api/admin/customers/${customerId}`, { method: 'DELETE', headers: { cookie } });
    expect((await deleted.json() as any).attachmentsDeleted).toBe(1);
    expect((await fetch(`${stack.url}${sent.body.attachment.url}`)).status).toBe(404);
  });
});
