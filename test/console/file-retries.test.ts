// The client id of a file sent in a chat (console/src/file-retries.ts): kept for the same file in the same chat after
// an upload whose outcome is unknown (no answer, none in time, a server error), so the server recognises the repeat;
// forgotten after a refusal or a success, so a later send is a new message.
import { describe, expect, it } from 'vitest';
import { ApiError, NO_ANSWER } from '../../console/src/api.ts';
import { clientIdForFile, fileSendSettled, outcomeUnknown } from '../../console/src/file-retries.ts';

let counter = 0;
const fresh = () => `id-${++counter}`;
const label = { name: 'return-label.pdf', size: 1200, lastModified: 1_700_000_000_000 };
const timeout = new ApiError(NO_ANSWER, 'timeout', 'No answer in time.');
const unreachable = new ApiError(NO_ANSWER, 'unreachable', 'The server could not be reached.');

describe('file retries', () => {
  it('reuses the id after a time-out or a lost connection, until the upload is answered', () => {
    const first = clientIdForFile(1, label, fresh);
    fileSendSettled(1, label, first, timeout);
    expect(clientIdForFile(1, label, fresh)).toBe(first);
    fileSendSettled(1, label, first, unreachable);
    expect(clientIdForFile(1, label, fresh)).toBe(first);
    fileSendSettled(1, label, first);
    expect(clientIdForFile(1, label, fresh)).not.toBe(first);
  });

  it('forgets it after a refusal: nothing was sent', () => {
    const first = clientIdForFile(2, label, fresh);
    fileSendSettled(2, label, first, new ApiError(502, 'http_502', 'Bad Gateway'));
    expect(clientIdForFile(2, label, fresh)).toBe(first); // a proxy's error says nothing of what the server did
    fileSendSettled(2, label, first, new ApiError(413, 'too_large', 'The file is too large.'));
    expect(clientIdForFile(2, label, fresh)).not.toBe(first);
  });

  it('is the same file in the same chat only: another chat, name, size or time of change is a new message', () => {
    const first = clientIdForFile(3, label, fresh);
    fileSendSettled(3, label, first, timeout);
    for (const [chat, file] of [
      [4, label], [3, { ...label, name: 'invoice.pdf' }], [3, { ...label, size: 1201 }], [3, { ...label, lastModified: label.lastModified + 1 }],
    ] as const) expect(clientIdForFile(chat, file, fresh), JSON.stringify([chat, file])).not.toBe(first);
    expect(clientIdForFile(3, { ...label }, fresh)).toBe(first);
  });

  it('an answer to an older attempt does not forget a newer one', () => {
    const first = clientIdForFile(5, label, fresh);
    fileSendSettled(5, label, first, timeout);
    fileSendSettled(5, label, 'some-other-attempt');
    expect(clientIdForFile(5, label, fresh)).toBe(first);
  });

  it('counts a failure that is not a refusal as unknown', () => {
    expect(outcomeUnknown(timeout)).toBe(true);
    expect(outcomeUnknown(new TypeError('Failed to fetch'))).toBe(true);
    expect(outcomeUnknown(new ApiError(500, 'internal', 'Something went wrong.'))).toBe(true);
    expect(outcomeUnknown(new ApiError(409, 'conflict', 'The chat is closed.'))).toBe(false);
    expect(outcomeUnknown(new ApiError(429, 'rate_limited', 'Slow down.'))).toBe(false);
  });
});
