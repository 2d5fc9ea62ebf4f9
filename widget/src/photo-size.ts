// Phone photos are 3–12 MB (12 megapixels); on a slow phone connection a 4 MB photo took about 80 s to send, and an
// agent needs far fewer pixels to read a label or see a crack. A photo larger than a chat needs is drawn again at
// most LONG_SIDE pixels on its long side, as a JPEG, before it is sent. Decoded with createImageBitmap, which needs no
// object URL (a shop's strict CSP may refuse `blob:` images) and applies the camera's orientation. Anything that is
// not such a photo, a browser that cannot do it, or a result no smaller is sent as it was chosen.

/** Long side of a photo as sent: enough to read a label or a serial number on a laptop screen. */
export const LONG_SIDE = 2048;
/** Photos smaller than this are sent as they are (a few seconds even on a slow connection). */
export const SMALL_ENOUGH_BYTES = 1_000_000;
const REDRAWN = ['image/jpeg', 'image/png', 'image/webp'];

export async function photoForChat(file: File): Promise<File> {
  if (!REDRAWN.includes(file.type) || file.size <= SMALL_ENOUGH_BYTES || typeof createImageBitmap !== 'function') return file;
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = LONG_SIDE / Math.max(bitmap.width, bitmap.height);
    if (scale >= 1) {
      bitmap.close();
      return file;
    }
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    const context = canvas.getContext('2d');
    if (!context) return file;
    // A transparent PNG drawn on white: JPEG has no transparency, and black behind a screenshot hides its text.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    if (!blob || blob.size >= file.size) return file;
    return new File([blob], `${file.name.replace(/\.[^.]*$/, '') || 'photo'}.jpg`, { type: 'image/jpeg', lastModified: file.lastModified });
  } catch {
    return file;
  }
}
