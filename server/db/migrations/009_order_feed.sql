-- Orders come from the shop itself now (PUT /api/integrations/orders), in the shop's
-- own number format (ORDER_NUMBER_PATTERN), not only the demo's NW-123456.
-- Numbers are compared by their key (upper case, without spaces, '#' or '-'),
-- as shoppers type them loosely; the index serves that comparison.
alter table orders drop constraint if exists orders_number_check;
alter table orders add constraint orders_number_length check (length(number) between 1 and 64);
create index orders_number_key_idx on orders ((upper(regexp_replace(number, '[[:space:]#-]+', '', 'g'))));
