// Which conversations a shopper may read or act on through the widget (socket events and the transcript download):
// their own, and never one imported from another tool (conversation-import.ts). An import files an email-only
// customer onto the live record with that address, and a visitor can type any address into the widget (the pre-chat
// form, a left message), so "filed under this customer" alone would let someone read the old tool's history of
// whoever's address they typed. An imported chat is the team's record, never the shopper's chat in the widget.
import { notFound } from '../errors.ts';

type Owned = { customer_id: number; imported_from: string | null };

/** Whether the shopper `customerId` may see this conversation in their widget. */
export const isShoppersConversation = (row: Owned | undefined, customerId: number): boolean =>
  Boolean(row) && Number(row!.customer_id) === Number(customerId) && row!.imported_from === null;

/**
 * The conversation when the shopper may see it; otherwise "not found", never "forbidden": another visitor's chat and
 * an imported one look the same as one that does not exist, so ids reveal nothing.
 */
export function shoppersConversation<R extends Owned>(row: R | undefined, customerId: number): R {
  if (!isShoppersConversation(row, customerId)) throw notFound('Conversation');
  return row!;
}
