// The desktop alert for `mention:new`: a teammate's note naming the agent, or a teammate taking over one of the
// agent's chats. A take-over is worded here from who took it, in the console's language; the server's `text` for it
// is an English sentence (kept for other clients), where a note's text is what the teammate wrote.
import { t } from './i18n.ts';
import type { AgentServerToClient } from './types.ts';

export type MentionNotice = Parameters<AgentServerToClient['mention:new']>[0];

export interface MentionAlert {
  title: string;
  content: { text?: string | null; withoutText: string; tag: string };
}

export function mentionAlert(mention: MentionNotice): MentionAlert {
  const tag = `mention:${mention.messageId}`;
  const { name } = mention.by;
  if (mention.event === 'agent_took_over') {
    return { title: t('notify.tookOver', { name, id: mention.conversationId }), content: { withoutText: t('notify.tookOverBody', { name }), tag } };
  }
  return { title: t('notify.mentioned', { name, id: mention.conversationId }), content: { text: mention.text, withoutText: t('notify.mentionHidden'), tag } };
}
