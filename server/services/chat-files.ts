// Files that travel with a chat message: the one place that stores them, sends
// the message carrying them and then either ties them to that message or, when
// no new message came of it, removes them again. The widget's and the console's
// uploads (attachment-routes.ts) and a shopper's email reply (email-inbound.ts)
// all go through here, so a retried upload or an email delivered twice never
// leaves a file behind that no message shows.
//
// The files are stored before the message is sent because the message's
// metadata carries their ids and URLs. Each row names its customer from the
// start, so deleting the customer deletes it even in the short moment before it
// is tied to its message.
import type { Sql } from '../db/client.ts';
import { attachmentsRepository, type AttachmentRef } from '../repositories/attachments.ts';

/** A checked file, ready to store: its type decided from its bytes, a photo already cleaned, the name made safe. */
export interface ChatFile {
  fileName: string;
  contentType: string;
  data: Buffer;
}

export interface FileOwner {
  customerId: number;
  /** The conversation when it is known before sending; the message's own is recorded once it is sent. */
  conversationId: number | null;
  uploadedBy: 'customer' | 'agent';
}

/** Where a send put its message. `duplicate`: an earlier delivery already did (its files are the ones kept). */
export interface Placement {
  duplicate: boolean;
  conversationId: number;
  messageId: number | null;
}

/**
 * Stores `files`, calls `send` with their references (for the message's metadata), then ties them to the message it
 * made. If the send throws, or turns out to repeat an earlier one (same client id, same email Message-ID), the files
 * stored here are removed: the earlier message keeps its own. `stored` is empty in that case.
 */
export async function sendCarryingFiles<T>(
  sql: Sql,
  owner: FileOwner,
  files: ChatFile[],
  send: (refs: AttachmentRef[]) => Promise<T>,
  placementOf: (result: T) => Placement,
): Promise<{ result: T; stored: AttachmentRef[] }> {
  const attachments = attachmentsRepository(sql);
  const stored: AttachmentRef[] = [];
  // Best effort: a failed clean-up must not hide the error that caused it.
  const removeStored = () => Promise.allSettled(stored.map((ref) => attachments.remove(ref.id)));

  let result: T;
  try {
    for (const file of files) stored.push(await attachments.insert({ ...owner, ...file }));
    result = await send(stored);
  } catch (error) {
    await removeStored();
    throw error;
  }
  const placed = placementOf(result);
  if (placed.duplicate || placed.messageId === null) {
    await removeStored();
    return { result, stored: [] };
  }
  // The message is out and names these files: from here on they are kept, whatever happens.
  for (const ref of stored) await attachments.attach(ref.id, placed.conversationId, placed.messageId);
  return { result, stored };
}
