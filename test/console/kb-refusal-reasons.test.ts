// The knowledge-base pages recognise the server's refusals by their reason: a stale save (`stale_edit`) is worded by
// the editor that made it, whatever the sentence; an unanswered group or a candidate another admin handled meanwhile
// (`question_handled`, a real refusal from a real server through the console's own request function) by its row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, codeText, post } from '../../console/src/api.ts';
import { t } from '../../console/src/i18n.ts';
import { staleSaveRefusal } from '../../console/src/stale-save.ts';
import { CANDIDATE_REFUSALS, GROUP_REFUSALS } from '../../console/src/unanswered-refusals.ts';
import { STALE_EDIT_MARK } from '../../knowledge-base/stale-edits.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';
import { login, startStack, type TestStack } from '../support/server.ts';

describe('a stale save', () => {
  it('is recognised by its reason, not by its sentence', () => {
    const refusedBy = staleSaveRefusal('intents.stale');
    expect(refusedBy(new ApiError(409, 'stale_edit', 'Someone saved this intent meanwhile.'))).toBe(t('intents.stale'));
    // Another conflict whose sentence happens to read like one is said as itself.
    const other = `The name is taken; it ${STALE_EDIT_MARK}.`;
    expect(refusedBy(new ApiError(409, 'intent_exists', other))).toBe(other);
  });
});

describe("the unanswered page's rows", () => {
  let stack: TestStack;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
    const { cookie } = await login(stack.url, stack.admin.email, stack.admin.password);
    // The console's calls are same-origin paths with the session cookie: here, to the test server as the admin.
    globalThis.fetch = ((url: string, init: RequestInit = {}) => (url.startsWith('/')
      ? realFetch(`${stack.url}${url}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } })
      : realFetch(url, init))) as typeof fetch;
  }, 120_000);
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await stack?.close();
  });

  const refusal = (promise: Promise<unknown>) => promise.then(() => { throw new Error('not refused'); }, (error: unknown) => error);

  it('word a group handled meanwhile as the row says it', async () => {
    const groupId = await unansweredRepository(stack.env.sql).record('do you gift-wrap the wooden rocking horse', null, { reason: 'no_match' });
    await post(`/api/admin/unanswered/${groupId}/handled`);
    const refused = await refusal(post(`/api/admin/unanswered/${groupId}/handled`));
    expect(refused).toMatchObject({ status: 409 });
    expect(codeText(refused, GROUP_REFUSALS)).toBe(t('unanswered.handledAlready'));
  });

  it('word a candidate used meanwhile as the row says it', () => {
    // The same reason as a group's (admin-kb-routes.ts actOnCandidate); a real one needs two admins' clicks to race.
    const refused = new ApiError(409, 'question_handled', 'This chat was used or dismissed already (reload the list).');
    expect(codeText(refused, CANDIDATE_REFUSALS)).toBe(t('candidates.usedAlready'));
  });
});
