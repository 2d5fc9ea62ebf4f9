-- Which writer last set or removed each of a customer's custom attributes (services/customer-attributes.ts):
-- {"plan": "api", "tier": "import", "note": "console"}. A key written by the shop's backend (the API, a contacts
-- import, an agent's edit in the console) is the shop's word, and the widget's identify() — whose values come from
-- a browser page — leaves it alone from then on. Keys only identify() wrote are not listed. No backfill: which
-- writer set an existing key is not known, and such keys stay writable by identify() as they were.
alter table customers add column if not exists attribute_sources jsonb not null default '{}'::jsonb;
