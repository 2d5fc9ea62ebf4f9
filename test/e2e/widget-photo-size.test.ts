// A phone photo is sent at the size a chat needs (widget/src/photo-size.ts): a 12-megapixel camera picture is drawn
// again at 2,048 px on its long side as a JPEG before the upload, in Chromium against the real server; a small
// picture, or a file that is no photo, goes as it was chosen.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { eventually } from '../support/sockets.ts';
import { solidPng } from '../support/png.ts';
import { newWidgetPage, openDemo, openWidget, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed();

/** A camera-like JPEG: random pixels do not compress, so it is megabytes, as a phone's photo is. */
async function cameraJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 0x2545f491;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = 96 + (state & 0x3f); // a narrower range than noise: still megabytes, closer to a real photo's
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

const storedFile = (name: string) => eventually(async () => (await bed.stack.env.sql<{ content_type: string; size_bytes: number; data: Buffer }[]>`
  select content_type, size_bytes, data from attachments where file_name = ${name} order by id desc limit 1`)[0], 20_000, `the stored ${name}`);

describe('photos from a phone', () => {
  it('a large photo is sent at 2,048 px on its long side as a JPEG, far smaller; a small one goes as it is', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await openDemo(bed.stack, page);
    await openWidget(page);
    const photo = await cameraJpeg(3000, 2250);
    expect(photo.length).toBeGreaterThan(2_000_000);
    await page.locator('.compose input[type=file]').setInputFiles({ name: 'broken strap.jpeg', mimeType: 'image/jpeg', buffer: photo });
    const sent = await storedFile('broken strap.jpg');
    expect(sent.content_type).toBe('image/jpeg');
    expect(sent.size_bytes).toBeLessThan(photo.length / 2);
    const { width, height } = await sharp(sent.data).metadata();
    expect([width, height]).toEqual([2048, 1536]);

    const small = await solidPng(300, 200, [30, 90, 160]);
    await page.locator('.log .msg.mine .attachments img').first().waitFor({ timeout: 10_000 });
    await page.locator('.compose input[type=file]').setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: small });
    const kept = await storedFile('label.png');
    expect(kept.content_type).toBe('image/png');
    expect(Buffer.compare(kept.data, small)).toBe(0);
  }, 60_000);
});
