// SQL of chat attachments (see 008_attachments.sql).
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import { withKeptCustomer } from './kept-customers.ts';

import type { AttachmentRef } from '../realtime/event-maps.ts';

export type { AttachmentRef };

export interface StoredAttachment {
  fileName: string;
  contentType: string;
  data: Buffer;
}

export const attachmentUrl = (id: number, accessKey: string, fileName: string) =>
  `/api/attachments/${id}/${accessKey}/${encodeURIComponent(fileName)}`;

export const attachmentsRepository = (sql: Sql) => ({
  async insert(a: { customerId: number; conversationId: number | null; uploadedBy: 'customer' | 'agent'; fileName: string; contentType: string; data: Buffer }): Promise<AttachmentRef> {
    const accessKey = randomBytes(18).toString('base64url');
    // On the record the customer is kept in: an upload begun before a merge committed must not stay on the emptied one.
    const [row] = await withKeptCustomer(sql, a.customerId, (tx, keptId) => tx<{ id: number }[]>`
      insert into attachments (customer_id, conversation_id, uploaded_by, access_key, file_name, content_type, size_bytes, data)
      values (${keptId}, ${a.conversationId}, ${a.uploadedBy}, ${accessKey}, ${a.fileName}, ${a.contentType}, ${a.data.length}, ${a.data})
      returning id`);
    return { id: row.id, name: a.fileName, contentType: a.contentType, size: a.data.length, url: attachmentUrl(row.id, accessKey, a.fileName) };
  },
  /** Ties an upload to the message that carries it. */
  async attach(id: number, conversationId: number, messageId: number): Promise<void> {
    await sql`update attachments set conversation_id = ${conversationId}, message_id = ${messageId} where id = ${id}`;
  },
  /** The file a message carries (the first, when it carries several). */
  async ofMessage(messageId: number): Promise<AttachmentRef | undefined> {
    const [row] = await sql<{ id: number; access_key: string; file_name: string; content_type: string; size_bytes: number }[]>`
      select id, access_key, file_name, content_type, size_bytes from attachments where message_id = ${messageId} order by id limit 1`;
    return row && { id: row.id, name: row.file_name, contentType: row.content_type, size: row.size_bytes, url: attachmentUrl(row.id, row.access_key, row.file_name) };
  },
  async remove(id: number): Promise<void> {
    await sql`delete from attachments where id = ${id}`;
  },
  async find(id: number, accessKey: string): Promise<StoredAttachment | undefined> {
    const [row] = await sql<{ file_name: string; content_type: string; data: Buffer }[]>`
      select file_name, content_type, data from attachments where id = ${id} and access_key = ${accessKey}`;
    return row ? { fileName: row.file_name, contentType: row.content_type, data: row.data } : undefined;
  },
});
