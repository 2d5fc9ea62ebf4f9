/**
 * A chat only the bot has answered is closed as resolved by the bot once the shopper has not written for this
 * long: they got what they came for or left. The idle sweep (app.ts) closes it; the reports count such chats as
 * still with the bot until then, and say so.
 */
export const BOT_IDLE_MINUTES = 30;
