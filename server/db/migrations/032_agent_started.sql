-- Who started a conversation: the shopper (from the widget or by email), or an agent writing to a customer first
-- (services/chat-service.ts startConversation). The reports measure the bot and the hand-offs on the shoppers'
-- conversations only: one an agent started was never the bot's to answer.
alter table conversations
  add column started_by text not null default 'shopper' check (started_by in ('shopper', 'agent'));
