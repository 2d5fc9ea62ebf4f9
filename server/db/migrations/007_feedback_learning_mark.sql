-- When an answer rated "not helpful" was sent to the learning loop's
-- unanswered questions. Set once: a shopper who changes their mind and back
-- (no → yes → no) is still one unhelpful answer, not two. Ratings stored before
-- this column existed were sent when they were first stored as not helpful.
alter table feedback add column sent_to_learning_at timestamptz;
update feedback set sent_to_learning_at = created_at where kind = 'article' and helpful = false;
