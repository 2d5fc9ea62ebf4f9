// Plain-text transcript of a conversation, for the shopper's download and the agents' export.
import type { Sql } from '../db/client.ts';
import { conversationsRepository } from '../repositories/conversations.ts';

export async function conversationTranscript(sql: Sql, conversationId: number, options: { includePrivate: boolean }): Promise<string | null> {
  const conversations = conversationsRepository(sql);
  const conversation = await conversations.findById(conversationId);
  if (!conversation) return null;
  const messages = await conversations.messagesAfter(conversationId, 0, options.includePrivate, 10_000);
  const lines = [`Conversation #${conversationId} — started ${conversation.created_at.toISOString()} — status ${conversation.status}`, ''];
  for (const m of messages) {
    const who = m.author_type === 'customer' ? 'You' : m.author_type === 'bot' ? 'Bot' : m.author_type === 'system' ? '—' : (m.author_name ?? 'Agent');
    const note = m.private ? ' [private note]' : '';
    lines.push(`[${m.created_at.toISOString().replace('T', ' ').slice(0, 19)} UTC] ${who}${note}: ${m.body}`);
  }
  return lines.join('\n') + '\n';
}
