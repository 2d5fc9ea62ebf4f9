// Migration 055's backfill of conversations.channel for the chats held before it: imported ones from imported_from,
// agent-started ones from started_by, email-started ones from inbound_emails (the email stored as the chat's first
// message), the rest 'widget' — whatever client id a widget shopper chose. Real Postgres: a database of this file's own, migrated to 054, filled, then migrated on.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createSql, type Sql } from '../../server/db/client.ts';
import { migrate } from '../../server/db/migrate.ts';
import { adminUrl, databaseUrl } from '../support/databases.ts';

const MIGRATIONS = fileURLToPath(new URL('../../server/db/migrations/', import.meta.url));
const THIS_ONE = '055_conversation_channel.sql';
const name = `shopdesk_chan055_${process.pid}_${randomBytes(4).toString('hex')}`;
let sql: Sql | undefined;
let dir: string | undefined;

afterAll(async () => {
  await sql?.end({ timeout: 2 });
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('migration 055', () => {
  it('backfills where each earlier chat started', async () => {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    dir = await mkdtemp(path.join(tmpdir(), 'chan055-'));
    const earlier = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql') && f < THIS_ONE);
    for (const file of earlier) await copyFile(path.join(MIGRATIONS, file), path.join(dir, file));
    sql = createSql({ databaseUrl: databaseUrl(name) }, { max: 1 });
    await migrate(sql, () => {}, { dir });

    const [{ id: customerId }] = await sql<{ id: number }[]>`insert into customers (name) values ('Old Timer') returning id::int`;
    /** A conversation and its first lines; `emailed` marks which of them arrived as emails (an inbound_emails row). */
    const conversation = async (columns: { started_by?: string; imported_from?: string; external_id?: string }, firstClientIds: (string | null)[], emailed: number[] = []) => {
      const [{ id }] = await sql!<{ id: number }[]>`
        insert into conversations (customer_id, status, started_by, imported_from, external_id)
        values (${customerId}, 'resolved', ${columns.started_by ?? 'shopper'}, ${columns.imported_from ?? null}, ${columns.external_id ?? null}) returning id::int`;
      for (const [i, clientId] of firstClientIds.entries()) {
        const [{ id: messageId }] = await sql!<{ id: number }[]>`
          insert into messages (conversation_id, author_type, client_id, body) values (${id}, 'customer', ${clientId}, 'Hi') returning id::int`;
        if (emailed.includes(i)) {
          await sql!`insert into inbound_emails (message_id, conversation_id, customer_id, chat_message_id)
                     values (${`<${id}-${i}@mail.example>`}, ${id}, ${customerId}, ${messageId})`;
        }
      }
      return id;
    };
    const widget = await conversation({}, ['w-1', 'email:later-reply'], [1]); // an email answered a widget chat: still widget
    // A widget shopper picks their own client ids: one that looks like an email's is no email.
    const spoofed = await conversation({}, ['email:x', 'w-3']);
    const email = await conversation({}, ['email:0123abcd', 'w-2'], [0]);
    const agent = await conversation({ started_by: 'agent' }, [null]);
    const imported = await conversation({ imported_from: 'chatwoot', external_id: '7' }, ['email:imported-line']);
    const empty = await conversation({}, []);

    await copyFile(path.join(MIGRATIONS, THIS_ONE), path.join(dir, THIS_ONE));
    expect(await migrate(sql, () => {}, { dir })).toEqual([THIS_ONE]);
    const rows = await sql<{ id: number; channel: string }[]>`select id::int, channel from conversations order by id`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.channel]))).toEqual({
      [widget]: 'widget', [spoofed]: 'widget', [email]: 'email', [agent]: 'agent', [imported]: 'import', [empty]: 'widget',
    });
  });
});
