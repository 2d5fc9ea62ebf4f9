// A bot for race tests: the test decides when it answers, so a turn can be caught while it is still thinking.
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';

/** Answers at once, hands off on "human", and waits for the test before answering a question with "slowly" in it. */
export class GatedResponder implements Responder {
  readonly name = 'gated-bot';
  private gates: (() => void)[] = [];
  thinking = 0;
  release(): void {
    this.gates.splice(0).forEach((open) => open());
  }
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const metadata = { decision: 'answer', intent: null, confidence: 1, articles: [], encoder: 'none' } as ResponderDecision['metadata'];
    if (/human/.test(context.text)) return { action: 'handoff', reply: 'Connecting you with a person.', metadata: { ...metadata, decision: 'handoff' } };
    if (/slowly/.test(context.text)) {
      this.thinking++;
      await new Promise<void>((open) => this.gates.push(open));
      this.thinking--;
    }
    return { action: 'answer', reply: `Bot answer to: ${context.text}`, metadata };
  }
}
