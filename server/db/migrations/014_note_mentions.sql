-- Teammates named in private notes ("@Sam, can you check this refund?") are kept in the note's metadata as
-- mentions: [{id, name}]. The inbox's "Mentions" view finds the chats where someone was mentioned by
-- containment (metadata->'mentions' @> '[{"id": 5}]'); this index serves it without reading every message.
create index messages_note_mentions_idx on messages using gin ((metadata -> 'mentions') jsonb_path_ops) where private;
