// The widget's file upload (api.ts sendFile) on a connection that stops moving: no progress for the stall time ends
// it with the code 'stalled' (the widget then says so and the shopper can try again), while an upload that keeps
// moving, however slowly, is left alone. A stand-in XMLHttpRequest plays the network; no browser needed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, UPLOAD_STALL_MS } from '../../widget/src/api.ts';

class FakeXhr {
  static last: FakeXhr | null = null;
  upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void; onload?: () => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onloadend?: () => void;
  aborted = false;
  status = 0;
  responseText = '';
  constructor() {
    FakeXhr.last = this;
  }
  open() {}
  setRequestHeader() {}
  send() {}
  abort() {
    this.aborted = true;
    this.onloadend?.();
  }
  progress(loaded: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total: 100 });
  }
  answer(status: number, body: unknown) {
    this.upload.onload?.();
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
    this.onloadend?.();
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const file = () => new File([new Uint8Array(100)], 'photo.jpg', { type: 'image/jpeg' });

describe('widget upload stall timeout', () => {
  it('aborts an upload with no progress for the stall time, with the code "stalled"', async () => {
    expect(UPLOAD_STALL_MS).toBe(30_000);
    const sending = createApi('https://chat.example/').sendFile(file(), 'token', 'w-1');
    const outcome = sending.then(() => 'sent', (e: unknown) => e);
    const xhr = FakeXhr.last!;
    xhr.progress(10);
    await vi.advanceTimersByTimeAsync(29_000);
    xhr.progress(20); // still moving: the clock starts again
    await vi.advanceTimersByTimeAsync(29_000);
    expect(xhr.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    const error = await outcome;
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('stalled');
    expect(xhr.aborted).toBe(true);
  });

  it('leaves a finished upload waiting for the server alone, and a slow but moving one', async () => {
    const sending = createApi('https://chat.example/').sendFile(file(), 'token', 'w-2', undefined, 5_000);
    const xhr = FakeXhr.last!;
    for (let i = 1; i <= 10; i++) {
      await vi.advanceTimersByTimeAsync(4_000);
      xhr.progress(i * 10);
    }
    xhr.upload.onload?.(); // every byte out; the server takes its time
    await vi.advanceTimersByTimeAsync(60_000);
    expect(xhr.aborted).toBe(false);
    xhr.answer(201, { id: 7, conversationId: 3 });
    await expect(sending).resolves.toEqual({ id: 7, conversationId: 3 });
  });
});
