-- Which mentions of an agent ("@Sam" in a teammate's private note, metadata.mentions) that agent has seen. The inbox's
-- Mentions count meant "open chats that ever named me" and never showed anything as unread: an agent named while
-- offline in a chat resolved since saw "Mentions 0" while the view listed the chat. A mention is now unseen until the
-- agent opens its chat in a console (POST /api/conversations/:id/mentions/seen): one row per agent and chat, holding
-- the newest note naming them that they had seen; a later note naming them is unseen again. Open and resolved alike.
create table mention_reads (
  user_id         bigint not null references users (id) on delete cascade,
  conversation_id bigint not null references conversations (id) on delete cascade,
  seen_message_id bigint not null,
  seen_at         timestamptz not null default now(),
  primary key (user_id, conversation_id)
);
create index mention_reads_conversation_idx on mention_reads (conversation_id);

-- Mentions from before this table existed: those older than a week count as seen (nobody wants years of old notes
-- as a red badge on the first start); the last week's stay unseen, so a mention missed just before the upgrade shows.
insert into mention_reads (user_id, conversation_id, seen_message_id)
select (m.value ->> 'id')::bigint, n.conversation_id, max(n.id)
from messages n cross join lateral jsonb_array_elements(n.metadata -> 'mentions') m
where n.private and jsonb_typeof(n.metadata -> 'mentions') = 'array' and n.created_at < now() - interval '7 days'
  and exists (select 1 from users u where u.id = (m.value ->> 'id')::bigint)
group by 1, 2
on conflict do nothing;
