// The client id of a file an agent sends in a chat. An upload that got no answer (none in time, or the connection
// failed) may still have reached the server, which then sent the file to the shopper; picking the same file again
// sent it twice, as each upload had a new id. Sent again after such a failure, the same file in the same chat keeps
// its first id: the server recognises the repeat (its client id dedupes) and the shopper gets the file once. A refusal
// or a success forgets it: a later send of that file is a new message (an agent may well send the same label twice).
import { ApiError, NO_ANSWER } from './api.ts';

/** What tells a picked file from another without reading it: what the browser says of it. */
export interface PickedFile { name: string; size: number; lastModified: number }

/** Client ids of uploads whose outcome is unknown, by chat and file. */
const unanswered = new Map<string, string>();

const keyOf = (conversationId: number, file: PickedFile) => JSON.stringify([conversationId, file.name, file.size, file.lastModified]);

/**
 * Whether a failed upload may have gone through: no answer at all, or none in time (api.ts's NO_ANSWER), or a server
 * error (a proxy's 502/504 says nothing of what the server behind it did). A 4xx answer is a refusal: nothing was sent.
 */
export const outcomeUnknown = (error: unknown): boolean =>
  !(error instanceof ApiError) || error.status === NO_ANSWER || error.status >= 500;

/** The client id to upload `file` with: the earlier attempt's when its outcome is unknown, else `fresh()`. */
export function clientIdForFile(conversationId: number, file: PickedFile, fresh: () => string): string {
  return unanswered.get(keyOf(conversationId, file)) ?? fresh();
}

/** After an upload with `clientId`: `error` is what it failed with, if it did. */
export function fileSendSettled(conversationId: number, file: PickedFile, clientId: string, error?: unknown): void {
  const key = keyOf(conversationId, file);
  if (error !== undefined && outcomeUnknown(error)) unanswered.set(key, clientId);
  else if (unanswered.get(key) === clientId) unanswered.delete(key);
}
