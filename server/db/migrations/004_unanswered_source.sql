-- Which conversation an unanswered-question group's representative text came
-- from, so that deleting a customer can also remove their words from the
-- learning loop (examples carry their conversation id already).
alter table unanswered_questions add column source_conversation_id bigint;
