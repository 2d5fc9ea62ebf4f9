-- A random key per customer record, signed into its visitor tokens (services/visitor-tokens.ts, token version v2).
-- Tokens used to sign the customer id alone, so (1) after Postgres was restored from a backup, ids handed out again
-- made an old browser's token stand for a new shopper (an operator review: a returning shopper was shown another
-- shopper's chat), and (2) no token could ever be withdrawn. Now a token counts only while its key is the record's:
-- a new key (a shop's sign-out, a new identity secret) withdraws every token of the record.
-- Rows from before have no key: their v1 tokens keep working until the record's next session, which gives it a key
-- and the browser a v2 token.
alter table customers add column if not exists visitor_key text;
alter table customers alter column visitor_key set default substr(md5(random()::text || clock_timestamp()::text), 1, 16);
