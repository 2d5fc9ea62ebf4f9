// What a chat attachment may be, decided from its bytes: the type a browser
// declares is only a claim, and a file served back to agents must really be
// the image (or PDF) it says it is. Photos are also cleaned before they are
// stored: a phone photo carries where it was taken (EXIF GPS) and the phone's
// details, which a shop has no reason to keep, and is often far larger than a
// chat needs.
import sharp from 'sharp';

const SIGNATURES: { contentType: string; matches: (b: Buffer) => boolean }[] = [
  { contentType: 'image/jpeg', matches: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { contentType: 'image/png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { contentType: 'image/gif', matches: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { contentType: 'image/webp', matches: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { contentType: 'application/pdf', matches: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];

export const ATTACHMENT_TYPES = SIGNATURES.map((s) => s.contentType);

/** The content type these bytes are, or null when they are none of the accepted kinds. */
export function sniffAttachment(bytes: Buffer): string | null {
  return SIGNATURES.find((s) => s.matches(bytes))?.contentType ?? null;
}

/** Images are shown in the page; anything else (PDF) is offered as a download. */
export const shownInline = (contentType: string) => contentType.startsWith('image/');

const IMAGE_FORMATS: Record<string, 'jpeg' | 'png' | 'webp' | 'gif' | undefined> = {
  'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif',
};

/** Longest side of a stored photo, in pixels: enough to see a scratch or read a label. */
export const MAX_PHOTO_SIDE = 2560;

/**
 * Most pixels an image may decode to (all frames together), in megapixels. A phone's full-resolution photo is under
 * 50; a small file that decodes to far more (a 31 KB PNG of 16000 × 16000) would hold a core for seconds per upload.
 */
export const MAX_IMAGE_MEGAPIXELS = 64;

/**
 * Images re-encoded in their own format without metadata (turned upright first, as EXIF said), shrunk to
 * MAX_PHOTO_SIDE (GIF and WebP read with all their frames, so an animation is not cut to its first); PDF as sent.
 * Null when the image cannot be decoded, or would decode to more than MAX_IMAGE_MEGAPIXELS (refused before decoding).
 */
export async function cleanAttachment(bytes: Buffer, contentType: string): Promise<Buffer | null> {
  const format = IMAGE_FORMATS[contentType];
  if (!format) return bytes;
  try {
    return await sharp(bytes, { failOn: 'error', animated: format === 'gif' || format === 'webp', limitInputPixels: MAX_IMAGE_MEGAPIXELS * 1_000_000 })
      .rotate()
      .resize({ width: MAX_PHOTO_SIDE, height: MAX_PHOTO_SIDE, fit: 'inside', withoutEnlargement: true })
      .toFormat(format, format === 'jpeg' ? { quality: 85, mozjpeg: true } : {})
      .toBuffer();
  } catch {
    return null;
  }
}

/** A file name safe to store and to put in a header: no path, no control characters, at most 120 characters. */
export function cleanFileName(name: string | undefined, contentType: string): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(-120);
  if (base && base !== '.' && base !== '..') return base;
  return `attachment.${contentType.split('/')[1]}`;
}

/**
 * The one check of a file sent into a chat, by upload or by email: its kind decided from its bytes, a photo cleaned,
 * the name made safe. `kind` when the bytes are none of the accepted kinds, `unreadable` when a photo cannot be decoded.
 */
export async function checkedChatFile(bytes: Buffer, name: string | undefined): Promise<{ data: Buffer; contentType: string; fileName: string } | 'kind' | 'unreadable'> {
  const contentType = sniffAttachment(bytes);
  if (!contentType) return 'kind';
  const data = await cleanAttachment(bytes, contentType);
  if (!data) return 'unreadable';
  return { data, contentType, fileName: cleanFileName(name, contentType) };
}
