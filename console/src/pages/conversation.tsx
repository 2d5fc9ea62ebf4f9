// One conversation: the whole history (bot turns with their evidence, private
// notes set apart), the reply box (typing indicator, /shortcut canned responses,
// notes, KB article links), agent assist, and accept / transfer / snooze / resolve / reopen.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { limits } from '../limits.ts';
import { atToken, completeMention } from '../mention-token.ts';
import { errorText, get, patch, post, put, query, upload } from '../api.ts';
import { ChipsEditor } from '../chips-editor.tsx';
import { useSession } from '../context.ts';
import { formatTime, useFocusAfterRender, useLoad, useSocketEvent } from '../hooks.ts';
import { getLocale, sharedChineseInScript, t, type Key } from '../i18n.ts';
import { IntentName } from '../intent-names.tsx';
import { newClientId, request } from '../realtime.ts';
import { clientIdForFile, fileSendSettled } from '../file-retries.ts';
import { altLabel, isAltShortcut, isTypingIn } from '../shortcuts.ts';
import { fillPlaceholders } from '../placeholders.ts';
import { systemLine } from '../system-lines.ts';
import { SnoozedBanner, SnoozeMenu } from './snooze-menu.tsx';
import { MacroMenu } from './macro-menu.tsx';
import { formatWake } from '../snooze.ts';
import type { AgentInfo, AttachmentRef, BotMetadata, CannedResponse, ChatMessage, ConversationSummary, Customer, FeedbackItem, FileMetadata, KbArticleLink, NoteMetadata, ShopperActivity, ShopperPage } from '../types.ts';
import { chatLanguage } from '../chat-language.ts';
import { detectLanguage, type Language } from '../../../knowledge-base/text/language.ts';
import { categoryName } from '../../../knowledge-base/categories.ts';
import {
  clientIdForSend, draftKey, forgetUnsent, readDraft, rememberUnsent, updateDraft, updateDraftProducts, useDraft, useDraftProducts, withUnsentText,
  writeDraft, writeDraftProducts, type DraftKind,
} from '../drafts.ts';
import { reportChatRead } from '../unread-title.ts';
import { withEarlierPage, withJoinedHistory } from '../joined-history.ts';
import { announce } from '../notify.ts';
import { navigate } from '../router.ts';
import { swapGuard } from '../swap-guard.ts';
import { AttachedProducts, MAX_PRODUCTS_PER_MESSAGE, ProductPicker, SentProducts } from './product-picker.tsx';

interface AssistPassage { articleId: number; title: string; heading?: string; snippet?: string; text?: string; score?: number; url?: string; slug?: string }
interface AssistResult { passages: AssistPassage[]; suggestedReply: string | null; question?: string | null }

const TYPING_IDLE_MS = 2500;

/** The header's actions on the live connection: each answers with the chat as it now is. */
type HeaderEvent = 'conversation:accept' | 'conversation:resolve' | 'conversation:reopen' | 'conversation:unsnooze' | 'conversation:snooze'
  | 'conversation:transfer' | 'conversation:assign' | 'conversation:requeue' | 'conversation:transfer-team' | 'conversation:takeover';

/** `onCustomer` names the chat with its customer, so a late answer for a chat the agent has left is recognised. */

/** An input method is composing (Chinese, Japanese…): its Enter confirms a word. Safari ends a composition with an
 * Enter whose isComposing is false but whose keyCode is 229. */
const composing = (event: KeyboardEvent) => event.isComposing || event.keyCode === 229;

/** How many earlier pages a search hit may load to be shown: past that the hit is too far back to page to. */
const MAX_REVEAL_PAGES = 30;

/**
 * `focusReply`: the chat was opened from the keyboard (Alt+J / Alt+K): its reply box gets the cursor once shown.
 * `revealMessageId`: the chat was opened from a search hit: earlier pages load until that message is shown.
 */
export function ConversationView({ conversationId, onCustomer, focusReply = false, revealMessageId }: { conversationId: number; onCustomer(conversationId: number, customerId: number): void; focusReply?: boolean; revealMessageId?: number }) {
  const { socket, user } = useSession();
  const [conversation, setConversation] = useState<ConversationSummary | null>(null);
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [labels, setLabels] = useState<string[]>([]);
  const [shopper, setShopper] = useState<ShopperActivity | null>(null);
  const [viewers, setViewers] = useState<{ id: number; name: string }[]>([]);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [customerTyping, setCustomerTyping] = useState(false);
  const [otherAgentTyping, setOtherAgentTyping] = useState<string | null>(null);
  const historyRef = useRef<HTMLDivElement>(null);
  const composer: ComposerHandle = useRef(null);
  // Where focus goes after an action once the page has re-rendered (WCAG 2.4.3): the button pressed often goes away
  // with the action (Return to queue, Take over, Unsnooze, a snooze preset) and focus would fall to <body>.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const takeOverRef = useRef<HTMLButtonElement>(null);
  const takeOverYesRef = useRef<HTMLButtonElement>(null);
  const focusAfterRender = useFocusAfterRender();
  /** After this render: the chat's heading, unless the control that acted is still there and focused. */
  const keepFocusOnPage = () => {
    focusAfterRender(() => {
      const active = document.activeElement;
      return active && active !== document.body && active.isConnected ? null : headingRef.current;
    });
  };

  const join = async () => {
    try {
      const joined = await request<{ conversation: ConversationSummary; messages: ChatMessage[]; hasEarlier: boolean; shopper: ShopperActivity }>(socket, 'conversation:join', { conversationId });
      setConversation(joined.conversation);
      if (joined.hasEarlier && joined.messages.length) markEarlier(joined.messages[0].id);
      setMessages((shown) => withJoinedHistory(shown, joined.messages, conversationId, joined.hasEarlier));
      setShopper(joined.shopper);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };

  // A long chat opens at its newest page. The oldest message of each page that has older ones before it: when the
  // list starts with one of them, "Load earlier messages" is offered (a join again after a reconnect may keep the
  // pages loaded before, or start over from the newest: either way the list's first message says which).
  const [earlierBefore, setEarlierBefore] = useState<ReadonlySet<number>>(new Set());
  const markEarlier = (oldestId: number) => setEarlierBefore((marked) => (marked.has(oldestId) ? marked : new Set(marked).add(oldestId)));
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  // The distance from the bottom of the history to keep while older messages go in above what the agent is reading.
  const keepFromBottom = useRef<number | null>(null);
  const oldestShown = messages.find((m) => m.conversationId === conversationId)?.id;
  const loadEarlier = async () => {
    if (oldestShown === undefined || loadingEarlier) return;
    setLoadingEarlier(true);
    try {
      const page = await get<{ messages: ChatMessage[]; hasEarlier: boolean }>(`/api/conversations/${conversationId}${query({ beforeId: oldestShown })}`);
      const history = historyRef.current;
      keepFromBottom.current = history ? history.scrollHeight - history.scrollTop : null;
      if (page.hasEarlier && page.messages.length) markEarlier(page.messages[0].id);
      setMessages((shown) => withEarlierPage(shown, page.messages, conversationId));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoadingEarlier(false);
    }
  };
  // A search hit older than the oldest message shown: the same earlier pages as the button, one at a time, until the
  // hit is shown or the chat has none before (the inbox scrolls to it once drawn).
  const revealPagesLoaded = useRef(0);
  useEffect(() => { revealPagesLoaded.current = 0; }, [revealMessageId]);
  useEffect(() => {
    if (revealMessageId === undefined || oldestShown === undefined || oldestShown <= revealMessageId) return;
    if (!earlierBefore.has(oldestShown) || loadingEarlier || revealPagesLoaded.current >= MAX_REVEAL_PAGES) return;
    revealPagesLoaded.current += 1;
    void loadEarlier();
  }, [revealMessageId, oldestShown, earlierBefore, loadingEarlier]);
  useLayoutEffect(() => {
    const history = historyRef.current;
    if (keepFromBottom.current === null || !history) return;
    history.scrollTop = history.scrollHeight - keepFromBottom.current;
    keepFromBottom.current = null;
  }, [oldestShown]);

  const loadCustomer = () => {
    get<{ customer: Customer; labels: string[] }>(`/api/conversations/${conversationId}`).then((r) => {
      setCustomer(r.customer);
      setLabels(r.labels);
      onCustomer(conversationId, r.customer.id);
    }, (err) => setError(errorText(err)));
  };
  useEffect(() => {
    loadCustomer();
    setViewers([]);
    void join();
    socket.on('connect', join);
    return () => {
      socket.off('connect', join);
      socket.emit('conversation:leave', { conversationId });
    };
  }, [conversationId]);

  useSocketEvent(socket, 'messages:new', (batch) => {
    const arrived = batch.filter((m) => m.conversationId === conversationId);
    if (arrived.length === 0) return;
    setMessages((list) => {
      const known = new Set(list.map((m) => m.id));
      const fresh = arrived.filter((m) => !known.has(m.id));
      return fresh.length ? [...list, ...fresh].sort((a, b) => a.id - b.id) : list;
    });
    if (arrived.some((m) => m.author.type === 'customer')) setCustomerTyping(false);
  });
  useSocketEvent(socket, 'conversation:updated', (updated) => {
    if (updated.id !== conversationId) return;
    // Updates can cross on the way: an older one arriving late must not bring back what is over.
    setConversation((current) => (current && current.id === updated.id && current.version > updated.version ? current : updated));
    // The shopper's record was merged into another (they signed in to the shop): show whose chat it is now.
    if (customer && updated.customerId !== customer.id) loadCustomer();
  });
  // The shopper read up to here (the widget reports what was on screen); "Seen" moves under that agent reply.
  useSocketEvent(socket, 'messages:seen', (event) => {
    if (event.conversationId !== conversationId || event.by !== 'customer') return;
    setConversation((c) => (c && event.lastSeenId > c.customerLastSeenId ? { ...c, customerLastSeenId: event.lastSeenId } : c));
  });
  useSocketEvent(socket, 'conversation:viewers', (event) => {
    if (event.conversationId === conversationId) setViewers(event.agents.filter((a) => a.id !== user.id));
  });
  useSocketEvent(socket, 'shopper:activity', (activity) => {
    if (activity.customerId === conversation?.customerId) setShopper(activity);
  });
  useSocketEvent(socket, 'conversation:labels', (changed) => {
    if (changed.conversationId === conversationId) setLabels(changed.labels);
  });
  useSocketEvent(socket, 'labels:changed', ({ from, to }) => {
    setLabels((current) => (current.includes(from) ? [...new Set(current.map((l) => (l === from ? to : l)).filter((l): l is string => l !== null))] : current));
  });
  const labelsInUse = useLoad(() => get<{ items: { label: string }[] }>('/api/conversation-labels'), []);
  // A label new to the suggestions (a macro or a teammate added it to any chat): offer it here without a reload.
  useSocketEvent(socket, 'conversation:labels', (changed) => {
    const known = new Set((labelsInUse.data?.items ?? []).map((l) => l.label));
    if (changed.labels.some((l) => !known.has(l))) labelsInUse.reload();
  });
  useSocketEvent(socket, 'labels:changed', () => labelsInUse.reload()); // an admin renamed or removed one everywhere
  const changeLabels = (change: { add?: string[]; remove?: string[] }) =>
    patch<{ labels: string[] }>(`/api/conversations/${conversationId}/labels`, change).then((r) => setLabels(r.labels));
  useSocketEvent(socket, 'typing', (payload) => {
    if (payload.conversationId !== conversationId) return;
    if (payload.author === 'customer') setCustomerTyping(payload.typing);
    else if (payload.name !== user.name) setOtherAgentTyping(payload.typing ? payload.name : null);
  });

  // Mark the shopper's messages seen while the chat is open and the tab is in front: a message arriving while the
  // console is a background tab stays unread (its badge, the tab title's count) until the agent comes back to it.
  const lastId = messages.length ? messages[messages.length - 1].id : 0;
  const reportedSeen = useRef(0);
  useEffect(() => {
    historyRef.current?.scrollTo({ top: historyRef.current.scrollHeight });
  }, [lastId]);
  useEffect(() => {
    const markSeen = () => {
      if (!lastId || !conversation || document.visibilityState !== 'visible') return;
      if (lastId <= Math.max(conversation.agentLastSeenId, reportedSeen.current)) return;
      reportedSeen.current = lastId;
      // Acknowledged, so whoever counts unread chats asks the server after it has recorded this.
      request(socket, 'messages:seen', { conversationId, lastSeenId: lastId }).then(reportChatRead, () => { reportedSeen.current = 0; });
    };
    markSeen();
    document.addEventListener('visibilitychange', markSeen);
    return () => document.removeEventListener('visibilitychange', markSeen);
  }, [lastId, conversation?.agentLastSeenId]);

  // "Mark as unread": the team's seen mark goes back before the shopper's latest message, and the agent is taken back
  // to the inbox (left open, the chat would be read again at once). Until a newer message this page reports nothing seen.
  const hasShopperMessage = messages.some((m) => m.author.type === 'customer');
  const markUnread = async () => {
    reportedSeen.current = Math.max(reportedSeen.current, lastId);
    try {
      await post(`/api/conversations/${conversationId}/unread`, {});
      announce(t('announce.markedUnread'));
      navigate('/console');
    } catch (err) {
      setError(errorText(err));
    }
  };

  // Priority: any agent marks any chat (the inbox marks it and can list those first); every console is told.
  const togglePriority = async () => {
    if (!conversation) return;
    const priority = !conversation.priority;
    try {
      const result = await put<{ conversation: ConversationSummary }>(`/api/conversations/${conversationId}/priority`, { priority });
      setConversation((current) => (current && current.version > result.conversation.version ? current : result.conversation));
      setError(null);
      announce(t(priority ? 'announce.priorityOn' : 'announce.priorityOff'));
    } catch (err) {
      setError(errorText(err));
    }
  };

  // One header action at a time (accept, resolve, reopen, unsnooze, snooze, transfer, assign, requeue, send to a
  // team, take over): a double click sent the request twice, and the second one's refusal ("This conversation changed
  // meanwhile") stayed on screen after the first had worked. The ref answers at once — the keyboard shortcuts' handler
  // holds an older render's closure — and `headerBusy` marks the buttons aria-disabled, which keeps them focusable (a
  // disabled button drops focus to <body>). A success clears the last refusal. Answers whether it went through.
  const headerSending = useRef(false);
  // And the second click of a double click whose first answer came back already would land on the button that took
  // the first one's place (Resolve → Reopen): it does nothing (swap-guard.ts).
  const headerSwaps = useMemo(() => swapGuard(), []);
  const [headerBusy, setHeaderBusy] = useState(false);
  const headerAction = async (event: HeaderEvent, payload: Record<string, unknown>, done: (conversation: ConversationSummary) => void): Promise<boolean> => {
    if (headerSending.current) return false;
    headerSending.current = true;
    setHeaderBusy(true);
    try {
      const result = await request<{ conversation: ConversationSummary }>(socket, event, { conversationId, ...payload });
      setConversation(result.conversation);
      setError(null);
      done(result.conversation);
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      headerSending.current = false;
      setHeaderBusy(false);
    }
  };
  const busyMark = headerBusy ? 'true' : undefined;

  const act = (event: 'conversation:accept' | 'conversation:resolve' | 'conversation:reopen' | 'conversation:unsnooze') => headerAction(event, {}, () => {
    keepFocusOnPage();
    // Said to screen readers (the app shell's status region): the buttons change under the agent's focus.
    if (event === 'conversation:resolve') announce(t('announce.resolved'));
    else if (event === 'conversation:reopen') announce(t('announce.reopened'));
  });

  // Snoozing answers whether it worked, so the menu stays open on a refusal (the error says why).
  const snooze = (until: Date): Promise<boolean> => headerAction('conversation:snooze', { until: until.toISOString() }, (snoozed) => {
    // The Snooze control goes away (the banner with Unsnooze takes its place): focus to the chat's heading, and say it.
    focusAfterRender(() => headingRef.current);
    announce(t('snooze.until', { time: formatWake(snoozed.snoozedUntil ?? until.toISOString()) }));
  });
  const [snoozeSignal, setSnoozeSignal] = useState(0);
  // The holder, or an admin, may snooze, transfer or resolve a held chat (the server checks it again); others see who
  // holds it instead of buttons that would be refused.
  const mayHandle = (c: ConversationSummary) => c.status === 'assigned' && (c.assignee?.id === user.id || user.role === 'admin');
  /** Anyone may close a chat nobody holds; a held one, only who may handle it. */
  const mayResolve = (c: ConversationSummary) => c.status !== 'assigned' || mayHandle(c);
  // An imported chat is history from the shop's old tool: nobody there to write back to in it (the server refuses too).
  // An anonymised one (retention, a deletion) takes no shopper message any more: reopened, it would be a dead chat.
  const mayReopen = (c: ConversationSummary) => c.status === 'resolved' && !c.importedFrom && !c.anonymised;

  const agents = useLoad(() => get<{ items: AgentInfo[] }>('/api/agents'), []);
  const [transferTo, setTransferTo] = useState('');
  const transfer = () => {
    if (!transferTo) return;
    void headerAction('conversation:transfer', { toAgentId: Number(transferTo) }, () => {
      setTransferTo('');
      keepFocusOnPage();
    });
  };

  // Assignment actions beyond accept and transfer (the server checks each again and says why it refuses).
  const assignAction = (event: 'conversation:assign' | 'conversation:requeue' | 'conversation:transfer-team' | 'conversation:takeover', extra: Record<string, unknown> = {}, said?: string): Promise<boolean> =>
    headerAction(event, extra, () => {
      keepFocusOnPage();
      if (said) announce(said);
    });
  const teams = useLoad(() => get<{ items: { id: number; name: string }[] }>('/api/teams'), []);
  const [assignTo, setAssignTo] = useState('');
  const [overCapacityReason, setOverCapacityReason] = useState('');
  const [teamTo, setTeamTo] = useState('');
  const [confirmTakeOver, setConfirmTakeOver] = useState(false);
  // Taking over asks first: focus goes to the confirming button (not to whatever button takes the place of
  // "Take over"); Cancel or Escape closes the question and focus goes back to "Take over".
  const askTakeOver = () => {
    setConfirmTakeOver(true);
    focusAfterRender(() => takeOverYesRef.current);
  };
  const cancelTakeOver = () => {
    setConfirmTakeOver(false);
    focusAfterRender(() => takeOverRef.current);
  };
  useEffect(() => {
    setAssignTo('');
    setOverCapacityReason('');
    setTeamTo('');
    setConfirmTakeOver(false);
  }, [conversationId, conversation?.assignee?.id, conversation?.status]);
  // An admin giving a chat to someone with no free seat says why (the server refuses it otherwise).
  const assignee = (agents.data?.items ?? []).find((a) => String(a.id) === assignTo);
  const assigneeFull = Boolean(assignee && assignee.openChats >= assignee.capacity);

  // Keyboard shortcuts for the common actions (Alt so they never clash with typing).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!conversation) return;
      if (isAltShortcut(event, 'A') && (conversation.status === 'queued' || conversation.status === 'bot')) { event.preventDefault(); void act('conversation:accept'); }
      if (isAltShortcut(event, 'R') && (conversation.status === 'resolved' ? mayReopen(conversation) : mayResolve(conversation))) {
        event.preventDefault();
        void act(conversation.status === 'resolved' ? 'conversation:reopen' : 'conversation:resolve');
      }
      if (isAltShortcut(event, 'Z') && mayHandle(conversation)) {
        event.preventDefault();
        if (conversation.snoozedUntil) void act('conversation:unsnooze');
        else setSnoozeSignal((n) => n + 1);
      }
      if (isAltShortcut(event, 'P')) { event.preventDefault(); void togglePriority(); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [conversation]);

  // The header's buttons are swapped by each answer (swap-guard.ts): which ones it shows, for the stray-click guard.
  headerSwaps.noteLayout(conversation && [conversation.status, conversation.assignee?.id, Boolean(conversation.snoozedUntil), confirmTakeOver].join('|'));

  if (!conversation) return <div class="muted empty">{error ?? t('loading')}</div>;
  const status = conversation.status;
  return (
    <div class="conversation" data-testid="conversation" data-status={status} data-snoozed={String(Boolean(conversation.snoozedUntil))}>
      <header class="conversation-header">
        <div>
          {/* Who (a name, or the visitor's customer number) and which chat: "Visitor #3 · Chat #1", never two bare numbers. */}
          <h2 ref={headingRef} tabIndex={-1} data-testid="conversation-heading">{customer?.name || customer?.email || `${t('customer.visitor')} #${conversation.customerId}`}{' '}
            <span class="muted small" data-testid="conversation-number">· {t('conversation.number', { id: conversation.id })}</span></h2>
          <span class={`status status-${status}`} data-testid="conversation-status">{t(`status.${status}` as Key)}</span>
          {conversation.team && <>{' '}<span class="badge team-badge" data-testid="conversation-team" title={t('teams.badgeHint')}>{conversation.team.name}</span></>}
          {conversation.assignee && <span class="muted small"> · {t('conversation.with', { name: conversation.assignee.name })}</span>}
          {shopper && <ShopperWhereabouts activity={shopper} />}
          <ChatRating conversationId={conversation.id} customerId={conversation.customerId} />
          {conversation.snoozedUntil && (
            <SnoozedBanner until={conversation.snoozedUntil} canUnsnooze={mayHandle(conversation)} onUnsnooze={() => void act('conversation:unsnooze')} />
          )}
          {status === 'assigned' && conversation.assignee && conversation.assignee.id !== user.id && (
            <div class="small viewers" data-testid="held-by-other">{t('conversation.heldByOther', { name: conversation.assignee.name })}</div>
          )}
          {viewers.length > 0 && (
            <div class="small viewers" data-testid="also-viewing">{t('conversation.alsoViewing', { names: viewers.map((v) => v.name).join(', ') })}</div>
          )}
          <ChipsEditor values={labels} testId="labels" inputTestId="label-input" placeholder={t('labels.add')} maxLength={32}
            caption={t('labels.caption')} title={t('labels.hint')}
            suggestions={(labelsInUse.data?.items ?? []).map((l) => l.label)}
            onAdd={(label) => changeLabels({ add: [label] })} onRemove={(label) => changeLabels({ remove: [label] })} />
        </div>
        <div class="actions" onClickCapture={headerSwaps.onClickCapture}>
          {(status === 'queued' || status === 'bot') && <button key="accept" class="primary" data-testid="accept" title={altLabel('A')} aria-disabled={busyMark} onClick={() => void act('conversation:accept')}>{t('action.accept')}</button>}
          {(status === 'queued' || status === 'bot') && user.role === 'admin' && (
            <span key="assign-box" class="transfer" data-testid="assign-box">
              <select data-testid="assign-to" aria-label={t('action.assignTo')} value={assignTo} onFocus={() => agents.reload()} onChange={(e) => setAssignTo(e.currentTarget.value)}>
                <option value="">{t('action.assignTo')}</option>
                {(agents.data?.items ?? []).filter((a) => a.id !== user.id).map((a) => (
                  <option key={a.id} value={String(a.id)} disabled={a.presence === 'offline'}>{a.name} ({t(`presence.${a.presence}` as Key)}, {a.openChats}/{a.capacity})</option>
                ))}
              </select>
              {assigneeFull && (
                <input data-testid="assign-reason" maxLength={300} value={overCapacityReason} aria-label={t('action.overCapacity', { name: assignee!.name })}
                  placeholder={t('action.overCapacity', { name: assignee!.name })} onInput={(e) => setOverCapacityReason(e.currentTarget.value)} />
              )}
              <button data-testid="assign" disabled={!assignTo || (assigneeFull && overCapacityReason.trim().length < 3)} aria-disabled={busyMark}
                onClick={() => void assignAction('conversation:assign', { toAgentId: Number(assignTo), ...(assigneeFull ? { overCapacityReason: overCapacityReason.trim() } : {}) })}>
                {assigneeFull ? t('action.assignAnyway') : t('action.assign')}
              </button>
            </span>
          )}
          {status === 'assigned' && conversation.assignee && conversation.assignee.id !== user.id && (
            confirmTakeOver ? (
              <span key="takeover-confirm" class="transfer" data-testid="takeover-confirm" role="group" aria-labelledby="takeover-question"
                onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancelTakeOver(); } }}>
                <span class="small" id="takeover-question">{t('action.takeOverConfirm', { name: conversation.assignee.name })}</span>{' '}
                <button class="primary" data-testid="takeover-yes" ref={takeOverYesRef} aria-disabled={busyMark} onClick={() => void assignAction('conversation:takeover', {}, t('announce.takenOver'))}>{t('action.takeOver')}</button>
                <button data-testid="takeover-cancel" onClick={cancelTakeOver}>{t('action.cancel')}</button>
              </span>
            ) : <button key="takeover" data-testid="takeover" ref={takeOverRef} onClick={askTakeOver}>{t('action.takeOver')}</button>
          )}
          {mayHandle(conversation) && <button key="requeue" data-testid="requeue" aria-disabled={busyMark} onClick={() => void assignAction('conversation:requeue', {}, t('announce.requeued'))}>{t('action.requeue')}</button>}
          {(status === 'queued' || mayHandle(conversation)) && (teams.data?.items.length ?? 0) > 0 && (
            <span key="team-to" class="transfer">
              <select data-testid="team-to" aria-label={t('action.toTeam')} value={teamTo} onFocus={() => teams.reload()} onChange={(e) => setTeamTo(e.currentTarget.value)}>
                <option value="">{t('action.toTeam')}</option>
                {(teams.data?.items ?? []).filter((team) => status !== 'queued' || team.id !== conversation.team?.id).map((team) => (
                  <option key={team.id} value={String(team.id)}>{team.name}</option>
                ))}
              </select>
              <button data-testid="send-to-team" disabled={!teamTo} aria-disabled={busyMark} onClick={() => void assignAction('conversation:transfer-team', { teamId: Number(teamTo) }, t('announce.requeued'))}>{t('action.sendToTeam')}</button>
            </span>
          )}
          {mayHandle(conversation) && (
            <span key="transfer-to" class="transfer">
              {/* Reloaded when opened: presence and open chats change while the page stays open. */}
              <select data-testid="transfer-to" aria-label={t('action.transferTo')} value={transferTo} onFocus={() => agents.reload()} onChange={(e) => setTransferTo(e.currentTarget.value)}>
                <option value="">{t('action.transferTo')}</option>
                {(agents.data?.items ?? []).filter((a) => a.id !== conversation.assignee?.id).map((a) => (
                  // Someone offline would not see it (the server refuses): listed, so nobody wonders where they went, but not chosen.
                  <option key={a.id} value={String(a.id)} disabled={a.presence === 'offline'}>{a.name} ({t(`presence.${a.presence}` as Key)}, {a.openChats}/{a.capacity})</option>
                ))}
              </select>
              <button data-testid="transfer" disabled={!transferTo} aria-disabled={busyMark} onClick={transfer}>{t('action.transfer')}</button>
            </span>
          )}
          {mayHandle(conversation) && !conversation.snoozedUntil && <SnoozeMenu key="snooze" onSnooze={snooze} openSignal={snoozeSignal} />}
          {status !== 'resolved'
            ? mayResolve(conversation) && <button key="resolve" data-testid="resolve" title={altLabel('R')} aria-disabled={busyMark} onClick={() => void act('conversation:resolve')}>{t('action.resolve')}</button>
            : mayReopen(conversation) && <button key="reopen" data-testid="reopen" title={altLabel('R')} aria-disabled={busyMark} onClick={() => void act('conversation:reopen')}>{t('action.reopen')}</button>}
          {(status === 'queued' || status === 'assigned') && hasShopperMessage && (
            <button key="mark-unread" data-testid="mark-unread" onClick={() => void markUnread()}>{t('action.markUnread')}</button>
          )}
          <button key="priority" class="priority-toggle" data-testid="priority-toggle" aria-pressed={Boolean(conversation.priority)}
            title={t('priority.hint', { shortcut: altLabel('P') })} onClick={() => void togglePriority()}>{t('priority.toggle')}</button>
          <MacroMenu key="macros" conversationId={conversation.id} />
          <a key="transcript" class="button" href={`/api/conversations/${conversationId}/transcript`} target="_blank" rel="noopener">{t('action.transcript')}</a>
        </div>
      </header>
      {error && <p class="error" role="alert">{error}</p>}
      {/* A live log: a screen reader says each message as it is added. Rows are keyed by message id, so a refetch or
          a re-render keeps them (only real additions are announced); the typing lines stay outside it. */}
      <div class="history" ref={historyRef} data-testid="history" role="log" aria-live="polite" aria-relevant="additions" aria-label={t('a11y.history')}>
        {oldestShown !== undefined && earlierBefore.has(oldestShown) && (
          <button type="button" class="load-earlier" data-testid="load-earlier" disabled={loadingEarlier} onClick={() => void loadEarlier()}>
            {loadingEarlier ? t('conversation.loadingEarlier') : t('conversation.loadEarlier')}
          </button>
        )}
        {(() => {
          const pages = pagesToShow(messages);
          const seenReply = lastSeenAgentReply(messages, conversation.customerLastSeenId);
          return messages.map((m) => <MessageBubble key={m.id} message={m} page={pages.get(m.id)} seen={m.id === seenReply} />);
        })()}
      </div>
      {(customerTyping || otherAgentTyping) && (
        <div class="typing-line">
          {customerTyping && <div class="typing" data-testid="customer-typing">{t('conversation.customerTyping')}</div>}
          {otherAgentTyping && <div class="typing">{t('conversation.agentTyping', { name: otherAgentTyping })}</div>}
        </div>
      )}
      <AssistPanel conversationId={conversationId} lastCustomerId={[...messages].reverse().find((m) => m.author.type === 'customer')?.id ?? 0} onInsert={(text) => composer.current?.insert(text)} />
      <Composer handle={composer} focusOnMount={focusReply} conversationId={conversationId} resolved={status === 'resolved'} locale={chatLanguage(messages, customer?.locale)} customer={customer} onError={setError} />
    </div>
  );
}

/**
 * The shopper's rating of this chat under the header ("Rated 4/5 — 'Quick refund, thanks'"), from the customer's
 * feedback; a rating stored later (the feedback worker publishes `customer:updated`) shows without a reload.
 */
function ChatRating({ conversationId, customerId }: { conversationId: number; customerId: number }) {
  const { socket } = useSession();
  const feedback = useLoad(() => get<{ items: FeedbackItem[] }>(`/api/customers/${customerId}/feedback`), [customerId]);
  useSocketEvent(socket, 'customer:updated', (e) => { if (e.customerId === customerId) feedback.reload(); });
  const rating = feedback.data?.items.find((f) => f.kind === 'csat' && f.conversationId === conversationId && f.rating !== null);
  if (!rating) return null;
  return (
    <p class="muted small" data-testid="conversation-rating" data-rating={rating.rating} title={t('conversation.ratedHint')}>
      {t('conversation.rated', { rating: rating.rating! })}{rating.comment && <> — <q>{rating.comment}</q></>}
    </p>
  );
}

/** Files a message carries: photos as thumbnails that open full size, other files as links. */
function Attachments({ files }: { files?: AttachmentRef[] }) {
  const valid = (files ?? []).filter((f) => f && typeof f.url === 'string' && f.url.startsWith('/api/attachments/'));
  if (!valid.length) return null;
  return (
    <div class="attachments" data-testid="attachments">
      {valid.map((f) => (
        <a key={f.id} href={f.url} target="_blank" rel="noopener noreferrer" title={f.name}>
          {f.contentType.startsWith('image/') ? <img src={f.url} alt={f.name} loading="lazy" /> : `📄 ${f.name}`}
        </a>
      ))}
    </div>
  );
}

/** The composer exposes insert() so the assist panel and article picker can put text into it. */
type ComposerHandle = { current: { insert(text: string): void } | null };

/** The shop page each shopper message was written on, when it is not the page of their message before. */
function pagesToShow(messages: ChatMessage[]): Map<number, ShopperPage> {
  const shown = new Map<number, ShopperPage>();
  let previous: string | undefined;
  for (const m of messages) {
    const page = m.author.type === 'customer' ? (m.metadata as { page?: ShopperPage }).page : undefined;
    if (page && typeof page.url === 'string' && page.url !== previous) shown.set(m.id, page);
    if (page) previous = page.url;
  }
  return shown;
}

/**
 * A shop page as a link that opens beside the console; only web addresses are linked. The shopper's widget reports
 * the page, so a title could say anything: the site the link goes to is shown beside it.
 */
function PageLink({ page }: { page: ShopperPage }) {
  if (!/^https?:/.test(page.url)) return <span>{page.title || page.url}</span>;
  const host = new URL(page.url).host;
  return (
    <>
      <a href={page.url} target="_blank" rel="noopener noreferrer">{page.title || page.url}</a>
      {page.title && <span class="muted"> ({host})</span>}
    </>
  );
}

/** Whether the shopper has the shop open now, and on which page (or where they were last). */
function ShopperWhereabouts({ activity }: { activity: ShopperActivity }) {
  return (
    <div class="small muted shopper-now" data-testid="shopper-now" data-online={String(activity.online)}>
      <span class={`dot ${activity.online ? 'dot-online' : 'dot-offline'}`} aria-hidden="true" />
      {activity.online ? t('shopper.online') : t('shopper.offline')}
      {activity.page && (
        <span> · {activity.online ? t('shopper.onPage') : t('shopper.lastOnPage')} <PageLink page={activity.page} />
          {!activity.online && activity.at && <span> · {formatTime(activity.at)}</span>}
        </span>
      )}
    </div>
  );
}

/** The last agent reply (not a note) the shopper has seen, or 0. */
function lastSeenAgentReply(messages: ChatMessage[], customerLastSeenId: number): number {
  let id = 0;
  for (const m of messages) if (m.author.type === 'agent' && !m.private && m.id <= customerLastSeenId) id = m.id;
  return id;
}

/**
 * The language a message is written in, as a `lang` attribute (WCAG 3.1.2): a screen reader reads a Chinese message with
 * a Chinese voice in an English console and the other way round. The bot says which language it answered in; other
 * messages by their letters; none for a text with no letters (an emoji, a number).
 */
function textLang(message: ChatMessage): string | undefined {
  const said = message.author.type === 'bot' ? (message.metadata as { language?: unknown }).language : undefined;
  const language: Language | null = said === 'zh' || said === 'en' ? said : /\p{L}/u.test(message.text) ? detectLanguage(message.text) : null;
  return language === 'zh' ? 'zh-CN' : language ?? undefined;
}

function MessageBubble({ message, page, seen }: { message: ChatMessage; page?: ShopperPage; seen?: boolean }) {
  const type = message.author.type;
  if (type === 'system') return <div class="msg msg-system" data-testid="msg-system" data-event={String((message.metadata as { event?: unknown }).event ?? '')}>{systemLine(message)} <span class="muted small">{formatTime(message.createdAt)}</span></div>;
  const meta = message.metadata as BotMetadata & FileMetadata & NoteMetadata & { via?: string };
  const classes = ['msg', `msg-${type}`, message.private ? 'msg-private' : ''].join(' ');
  return (
    <div class={classes} data-testid={message.private ? 'msg-private' : `msg-${type}`} data-message-id={message.id}>
      <div class="msg-meta">
        <strong>{type === 'customer' ? t('author.customer') : type === 'bot' ? t('author.bot') : message.author.name ?? t('author.agent')}</strong>
        {message.private && <span class="badge note" data-testid="private-label">{t('conversation.privateNote')}</span>}
        {/* The shopper answered a follow-up email: the agent knows they may not be on the shop's site. */}
        {type === 'customer' && meta?.via === 'email' && <span class="badge" data-testid="via-email">{t('conversation.viaEmail')}</span>}
        <span class="muted small">{formatTime(message.createdAt)}</span>
      </div>
      {/* Text is rendered as text: never as HTML. A file sent without a caption shows the file alone. */}
      {meta?.fileOnly !== true && <div class="msg-text" lang={textLang(message)}>{message.text}</div>}
      {message.private && (meta?.mentions?.length ?? 0) > 0 && (
        <div class="small muted" data-testid="note-mentions">{t('conversation.mentions')} {meta.mentions!.map((m) => m.name).join(', ')}</div>
      )}
      <Attachments files={meta?.attachments} />
      {type === 'agent' && <SentProducts products={meta?.products} />}
      {seen && <div class="small muted msg-seen" data-testid="msg-seen">{t('conversation.seen')}</div>}
      {page && /^https?:/.test(page.url) && (
        <div class="msg-page small muted" data-testid="msg-page">
          {t('conversation.onPage')} <PageLink page={page} />
        </div>
      )}
      {type === 'bot' && meta && meta.decision && (
        <div class="evidence" data-testid="bot-evidence">
          <span class="badge" data-decision={meta.decision}>{t('evidence.decision')}{t('punct.colon')}{t(`decision.${meta.decision}`)}</span>
          {meta.intent && <span class="badge" data-testid="evidence-intent">{t('evidence.intent')}{t('punct.colon')}<IntentName name={meta.intent} /></span>}
          {typeof meta.confidence === 'number' && <span class="badge">{t('evidence.confidence')}{t('punct.colon')}{(meta.confidence * 100).toFixed(0)}%</span>}
          {meta.encoder && <span class="badge muted">{meta.encoder}</span>}
          {meta.readWith && <span class="badge" data-testid="evidence-read-with">{t('evidence.readWith', { question: meta.readWith })}</span>}
          {(meta.articles ?? []).length > 0 && (
            <span class="articles">{t('evidence.articles')}{t('punct.colon')}{(meta.articles ?? []).map((a) => (
              <a key={a.id} href={a.url ?? '#'} target="_blank" rel="noopener noreferrer">{a.title}</a>
            ))}</span>
          )}
          {(meta.products ?? []).length > 0 && (
            <span class="articles" data-testid="evidence-products">{t('evidence.products')}{t('punct.colon')}{(meta.products ?? []).map((p) => (
              <a key={p.sku} href={p.url ?? '#'} target="_blank" rel="noopener noreferrer">{p.name}</a>
            ))}</span>
          )}
        </div>
      )}
    </div>
  );
}

const ASSIST_OPEN_KEY = 'sd.assistOpen';

function AssistPanel({ conversationId, lastCustomerId, onInsert }: { conversationId: number; lastCustomerId: number; onInsert(text: string): void }) {
  const [result, setResult] = useState<AssistResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Compact unless the agent opened it: expanded, long passages took most of the chat's height on a laptop.
  const [open, setOpen] = useState(() => localStorage.getItem(ASSIST_OPEN_KEY) === '1');
  const toggle = () => {
    localStorage.setItem(ASSIST_OPEN_KEY, open ? '0' : '1');
    setOpen(!open);
  };
  const suggest = async () => {
    setBusy(true);
    try {
      setResult(await post<AssistResult>('/api/assist/suggest', { conversationId }));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  // A new shopper message asks for fresh suggestions.
  useEffect(() => {
    if (lastCustomerId) void suggest();
  }, [lastCustomerId]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isAltShortcut(event, 'S')) { event.preventDefault(); void suggest(); }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [conversationId]);
  // Collapsed, one line: the suggested reply (or the best passage) cut to the width, with Insert beside it.
  const best = result?.suggestedReply ?? result?.passages[0]?.snippet ?? result?.passages[0]?.text ?? null;
  return (
    <section class={`assist ${open ? 'assist-open' : 'assist-compact'}`} data-testid="assist" data-open={String(open)}>
      <header>
        <button class="link nowrap" data-testid="assist-toggle" aria-expanded={open} onClick={toggle} title={open ? t('assist.collapse') : t('assist.expand')}>{open ? '▾' : '▸'} {t('assist.title')}</button>
        {!open && (
          <span class="assist-line small" data-testid="assist-line" title={best ?? undefined}>
            {error ? <span class="error">{error}</span> : best ?? <span class="muted">{result ? t('assist.none') : t('assist.noneYet')}</span>}
          </span>
        )}
        {!open && best && <button class="primary small" data-testid="assist-insert-line" onClick={() => onInsert(best)}>{t('assist.insert')}</button>}
        <button class="small" data-testid="assist-refresh" disabled={busy} onClick={suggest} title={altLabel('S')}>{busy ? t('loading') : t('assist.refresh')}</button>
      </header>
      {open && (
        <div class="assist-body">
          {error && <p class="error small">{error}</p>}
          {result?.suggestedReply && (
            <div class="suggestion" data-testid="assist-suggestion">
              <p>{result.suggestedReply}</p>
              <button class="primary small" data-testid="assist-insert" onClick={() => onInsert(result.suggestedReply!)}>{t('assist.insert')}</button>
            </div>
          )}
          {(result?.passages ?? []).slice(0, 3).map((p, i) => (
            <div class="passage" key={`${p.articleId}-${i}`} data-testid="assist-passage">
              <strong>{p.title}</strong>{p.heading && p.heading !== p.title ? <span class="muted"> › {p.heading}</span> : null}
              <p class="small">{p.snippet ?? p.text ?? ''}</p>
              <button class="small" onClick={() => onInsert(p.snippet ?? p.text ?? '')}>{t('assist.insertPassage')}</button>
              {p.url && <button class="small" onClick={() => onInsert(`${p.title}: ${p.url}`)}>{t('assist.insertLink')}</button>}
            </div>
          ))}
          {result && !result.passages.length && !result.suggestedReply && <p class="muted small">{t('assist.none')}</p>}
        </div>
      )}
    </section>
  );
}

/** The `/word` being typed at the end of the text, if any. */
function slashToken(text: string): string | null {
  const match = /(?:^|\s)\/([a-z0-9_-]*)$/.exec(text);
  return match ? match[1] : null;
}

/** Text that is only an unfinished "/shortcut" (or a lone "/"): never sent to a shopper by accident. */
const isBareShortcut = (text: string): boolean => /^\/[a-z0-9_-]*$/.test(text.trim());

/** One line of the composer's menu: a canned response after "/", a teammate after "@" in a note. */
interface Suggestion { key: string; content: preact.ComponentChildren; pick(): void }

function Composer({ conversationId, resolved, locale, customer, onError, handle, focusOnMount = false }: {
  conversationId: number; resolved: boolean; locale: Language; customer: Customer | null; onError(message: string | null): void; handle: ComposerHandle; focusOnMount?: boolean;
}) {
  const { socket, user } = useSession();
  const [note, setNote] = useState(false);
  // The reply and the note are two drafts of this chat, kept while the agent looks at other chats (drafts.ts).
  const keyOf = (kind: DraftKind) => draftKey(user.id, conversationId, kind);
  const [replyText, setReplyText] = useDraft(keyOf('reply'));
  const [noteText, setNoteText] = useDraft(keyOf('note'));
  const text = note ? noteText : replyText;
  const setText = note ? setNoteText : setReplyText;
  const [uploading, setUploading] = useState(false);
  const [highlight, setHighlight] = useState(0);
  // The text at which the agent closed the "no canned response matches" hint (Enter or Escape): a "/path" in a
  // sentence then sends with the next Enter.
  const [slashHintClosedAt, setSlashHintClosedAt] = useState<string | null>(null);
  const [showArticles, setShowArticles] = useState(false);
  const [showProducts, setShowProducts] = useState(false);
  // Products picked for the reply being written: they go with its next send (never with a private note). Kept with
  // the reply's draft, so they survive another chat, a reload and a refused send like its text (drafts.ts).
  const [products, setProducts] = useDraftProducts(keyOf('reply'));
  const textarea = useRef<HTMLTextAreaElement>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const typingSent = useRef(false);
  // The team's replies and the agent's own; reloaded when either changes (an admin's edit, My replies in another tab).
  const canned = useLoad(() => get<{ items: CannedResponse[] }>('/api/canned-responses'), []);
  useSocketEvent(socket, 'canned:changed', () => canned.reload());

  handle.current = {
    insert(insertText: string) {
      setText((current) => (current.trim() ? `${current.trimEnd()} ${insertText}` : insertText));
      textarea.current?.focus();
    },
  };

  // Opened from the keyboard: the cursor goes to the reply box, unless the agent has started typing somewhere else
  // meanwhile. Alt+C ("compose") puts it there from anywhere in the chat.
  useEffect(() => {
    if (focusOnMount && !isTypingIn(document.activeElement)) textarea.current?.focus();
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isAltShortcut(event, 'C')) return;
      event.preventDefault();
      textarea.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const token = slashToken(text);
  const cannedMatches = useMemo(() => {
    if (token === null) return [];
    return (canned.data?.items ?? [])
      .filter((c) => c.shortcut.startsWith(token))
      // The chat's language first, then by shortcut; the agent's own before the team's with the same shortcut, so
      // Enter on "/refund" inserts theirs (both are listed, theirs marked).
      .sort((a, b) => Number(b.locale === locale) - Number(a.locale === locale) || a.shortcut.localeCompare(b.shortcut) || Number(b.personal) - Number(a.personal))
      .slice(0, 8);
  }, [token, canned.data, locale]);
  // Teammates to mention: only in a note (a reply naming "@Sam" would go to the shopper).
  const team = useLoad(() => get<{ items: AgentInfo[] }>('/api/agents'), []);
  const mentionToken = note ? atToken(text) : null;
  const teammates = useMemo(() => {
    if (mentionToken === null) return [];
    const typed = mentionToken.toLocaleLowerCase();
    return (team.data?.items ?? []).filter((a) => a.id !== user.id && a.name.toLocaleLowerCase().split(/\s+/).some((part) => part.startsWith(typed))).slice(0, 8);
  }, [mentionToken, team.data]);
  const mention = (teammate: AgentInfo) => {
    setText((current) => completeMention(current, teammate.name));
    textarea.current?.focus();
  };
  const matches: Suggestion[] = teammates.length
    ? teammates.map((a) => ({ key: `agent-${a.id}`, content: <><strong>@{a.name}</strong> <span class="muted small">{t(`presence.${a.presence}` as Key)}</span></>, pick: () => mention(a) }))
    : cannedMatches.map((c) => ({
      key: `canned-${c.id}`, pick: () => useCanned(c),
      content: <><code>/{c.shortcut}</code> {c.personal && <span class="badge" data-testid="canned-personal-mark">{t('canned.personalMark')}</span>}<strong>{c.title}</strong> <span class="muted small">{c.body.slice(0, 80)}</span></>,
    }));

  const slashHintOpen = matches.length === 0 && token !== null && slashHintClosedAt !== text;
  // The text at which the agent closed the menu (Escape, or Tab on the way out): it stays closed until they type.
  const [menuClosedAt, setMenuClosedAt] = useState<string | null>(null);
  const menuOpen = matches.length > 0 && menuClosedAt !== text;
  const active = highlight < matches.length ? highlight : 0;
  // The reply box is a combobox over the menu (aria-activedescendant names the highlighted line; focus stays in the box).
  const menuId = `composer-menu-${conversationId}`;
  const optionId = (i: number) => `${menuId}-${matches[i]?.key ?? i}`;

  const stopTyping = () => {
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = null;
    if (typingSent.current && !note) socket.emit('typing', { conversationId, typing: false });
    typingSent.current = false;
  };
  const onInput = (value: string) => {
    setText(value);
    setHighlight(0);
    setMenuClosedAt(null);
    if (note) return; // notes are private: the shopper must not even see typing
    if (!typingSent.current && value) {
      socket.emit('typing', { conversationId, typing: true });
      typingSent.current = true;
    }
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };
  useEffect(() => stopTyping, [conversationId]);

  const useCanned = (item: CannedResponse) => {
    // {{agent.name}} goes to the shopper: the name they are shown for this agent, not the full name colleagues see.
    const body = fillPlaceholders(item.body, { customer, agent: { name: user.displayName ?? user.name, chosen: Boolean(user.displayName) } });
    setText((current) => current.replace(/(^|\s)\/[a-z0-9_-]*$/, (_m, space: string) => `${space}${body}`));
    textarea.current?.focus();
  };

  // What is sent is what is in the box now, and it leaves the box at once: the agent may go on typing the next
  // message while the server answers. Refused, it comes back (withUnsentText), even if the agent has left the chat
  // meanwhile, since the draft outlives this composer.
  // A message typed while the one before is still on its way is sent after it (Enter is never ignored), in the
  // order typed, so the server stores them in that order.
  const sendQueue = useRef<Promise<void>>(Promise.resolve());
  const send = () => {
    const kind: DraftKind = note ? 'note' : 'reply';
    const key = keyOf(kind);
    const attached = kind === 'reply' ? products : [];
    // Products alone send their names as the text, so the message reads on its own (transcripts, email follow-ups).
    const body = readDraft(key).trim() || attached.map((p) => p.name).join(', ');
    if (!body || isBareShortcut(body)) return;
    writeDraft(key, '');
    if (attached.length) writeDraftProducts(key, []);
    stopTyping();
    const skus = attached.map((p) => p.sku);
    const clientId = clientIdForSend(key, body, newClientId, skus);
    sendQueue.current = sendQueue.current.then(async () => {
      try {
        await request(socket, 'message:send', {
          conversationId, clientId, text: body, private: kind === 'note', ...(skus.length ? { products: skus.map((sku) => ({ sku })) } : {}),
        });
        forgetUnsent(key, clientId);
        onError(null);
      } catch (err) {
        // Refused, the picked products come back with the text (unless others were picked meanwhile), into the draft
        // rather than this composer's state: the agent may have left the chat since.
        if (attached.length) updateDraftProducts(key, (current) => (current.length ? current : attached));
        rememberUnsent(key, body, clientId, skus);
        let typedSince = false;
        updateDraft(key, (current) => {
          typedSince = current.trim() !== '';
          return withUnsentText(current, body);
        });
        onError(t(typedSince ? 'composer.notSentAbove' : 'composer.notSent', { reason: errorText(err) }));
      }
    });
  };

  // A file goes to the customer at once, as its own message (never as a private note). Picked again after an upload
  // whose outcome is unknown, it goes with the same client id, so the shopper gets it once (file-retries.ts).
  const fileInput = useRef<HTMLInputElement>(null);
  const sendFile = async (file: File) => {
    setUploading(true);
    const clientId = clientIdForFile(conversationId, file, newClientId);
    try {
      await upload(`/api/conversations/${conversationId}/attachments${query({ clientId, name: file.name })}`, file);
      fileSendSettled(conversationId, file, clientId);
      onError(null);
    } catch (err) {
      fileSendSettled(conversationId, file, clientId, err);
      onError(errorText(err));
    } finally {
      setUploading(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && menuOpen && composing(event)) return; // the input method's Enter picks its word, not a reply
    // The "/" menu is open with nothing to pick: Enter (or Escape) closes it and sends nothing; a bare "/shortcut"
    // never goes out.
    if (slashHintOpen && (event.key === 'Escape' || (event.key === 'Enter' && !event.shiftKey && !composing(event)))) {
      event.preventDefault();
      if (!isBareShortcut(text)) setSlashHintClosedAt(text);
      return;
    }
    if (menuOpen) {
      if (event.key === 'ArrowDown') { event.preventDefault(); setHighlight((active + 1) % matches.length); return; }
      if (event.key === 'ArrowUp') { event.preventDefault(); setHighlight((active - 1 + matches.length) % matches.length); return; }
      if (event.key === 'Enter') { event.preventDefault(); matches[active].pick(); return; }
      // Escape closes the menu and inserts nothing (the box keeps what was typed); Tab leaves the box as usual, the
      // menu closing behind it.
      if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); setMenuClosedAt(text); return; }
      if (event.key === 'Tab') { setMenuClosedAt(text); return; }
    }
    if (event.key === 'Enter' && !event.shiftKey && isBareShortcut(text)) { event.preventDefault(); return; }
    if (isAltShortcut(event, 'N')) { event.preventDefault(); setNote((n) => !n); return; }
    if (event.key === 'Enter' && !event.shiftKey && !composing(event)) { event.preventDefault(); void send(); }
  };

  return (
    <div class={`composer ${note ? 'composer-note' : ''}`} data-testid="composer">
      <div class="composer-tabs">
        <span class="composer-mode" role="group" aria-label={t('a11y.messageKind')}>
          <button class={!note ? 'active' : ''} aria-pressed={!note} data-testid="mode-reply" onClick={() => setNote(false)}>{t('composer.reply')}</button>
          <button class={note ? 'active' : ''} aria-pressed={note} data-testid="mode-note" onClick={() => setNote(true)} title={altLabel('N')}>{t('composer.note')}</button>
        </span>
        <button class="link" data-testid="insert-article" onClick={() => setShowArticles(!showArticles)}>{t('composer.insertArticle')}</button>
        <button class="link" data-testid="attach-product" disabled={note || resolved} title={note ? t('composer.productsNoNote') : undefined}
          aria-expanded={showProducts && !note} onClick={() => setShowProducts(!showProducts)}>{t('composer.attachProduct')}</button>
        <button class="link" data-testid="attach-file" disabled={note || resolved || uploading} title={note ? t('composer.attachNoNote') : undefined}
          onClick={() => fileInput.current?.click()}>{t('composer.attach')}</button>
        <input ref={fileInput} type="file" hidden accept="image/jpeg,image/png,image/gif,image/webp,application/pdf" data-testid="attach-input"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void sendFile(file);
          }} />
      </div>
      {showArticles && <ArticlePicker locale={locale} onPick={(a) => { handle.current?.insert(`${a.title}${locale === 'zh' ? '：' : ': '}${a.url}`); setShowArticles(false); }} />}
      {showProducts && !note && !resolved && (
        <ProductPicker picked={products} onPick={(p) => {
          const next = [...products, p].slice(0, MAX_PRODUCTS_PER_MESSAGE);
          setProducts(next);
          if (next.length >= MAX_PRODUCTS_PER_MESSAGE) setShowProducts(false);
          textarea.current?.focus();
        }} />
      )}
      {!note && <AttachedProducts products={products} onRemove={(sku) => setProducts((current) => current.filter((p) => p.sku !== sku))} />}
      {slashHintOpen && canned.data && (
        <div class="canned-menu muted small" data-testid="canned-empty" role="status">
          {canned.data.items.length ? t('composer.noCannedMatch', { token: `/${token}` }) : t('composer.noCanned')}
        </div>
      )}
      {menuOpen && (
        <ul class="canned-menu" data-testid="canned-menu" role="listbox" id={menuId} aria-label={teammates.length ? t('a11y.mentionList') : t('a11y.cannedList')}>
          {matches.map((m, i) => (
            <li key={m.key} id={optionId(i)} role="option" aria-selected={i === active ? 'true' : 'false'} class={i === active ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); m.pick(); }}>
              {m.content}
            </li>
          ))}
        </ul>
      )}
      <textarea ref={textarea} data-testid="reply-input" rows={3} value={text} maxLength={limits().maxMessageChars} aria-label={note ? t('composer.note') : t('composer.reply')}
        // Preact's types allow a textarea only the textbox role (ARIA in HTML); the menu needs the combobox pattern on
        // the box that keeps focus, which Chromium, Firefox and the screen readers support on a textarea too.
        role={'combobox' as 'textbox'} aria-autocomplete="list" aria-haspopup="listbox" aria-expanded={menuOpen ? 'true' : 'false'}
        aria-controls={menuOpen ? menuId : undefined} aria-activedescendant={menuOpen ? optionId(active) : undefined}
        placeholder={note ? t('composer.notePlaceholder') : resolved ? t('composer.resolvedPlaceholder') : t('composer.placeholder')}
        onInput={(e) => onInput(e.currentTarget.value)} onKeyDown={onKeyDown} onBlur={stopTyping} />
      <div class="composer-footer">
        {/* At the limit the box takes no more (a paste is cut there): say so rather than lose text silently. */}
        {text.length >= limits().maxMessageChars
          ? <span class="error small" data-testid="reply-too-long">{t('composer.atLimit', { n: limits().maxMessageChars })}</span>
          : <span class="muted small">{t('composer.hint')}{note && ` · ${t('composer.mentionHint')}`}</span>}
        <button class="primary" data-testid="send" disabled={(!text.trim() && (note || !products.length)) || isBareShortcut(text) || (resolved && !note)} onClick={send}>{note ? t('composer.addNote') : t('composer.send')}</button>
      </div>
    </div>
  );
}

function ArticlePicker({ locale, onPick }: { locale: Language; onPick(article: KbArticleLink): void }) {
  const [q, setQ] = useState('');
  const articles = useLoad(() => get<{ items: KbArticleLink[] }>(`/api/kb/articles${query({ q, locale: locale === 'zh' ? 'zh' : undefined })}`), [q]);
  return (
    <div class="article-picker" data-testid="article-picker">
      <input type="search" placeholder={t('composer.searchArticles')} aria-label={t('composer.searchArticles')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <ul>
        {(articles.data?.items ?? []).map((a) => (
          <li key={a.id}><button class="link" onClick={() => onPick(a)}>{a.title}</button> <span class="muted small">{categoryName(a.category, getLocale(), sharedChineseInScript)} · {a.locale}</span></li>
        ))}
        {articles.data && !articles.data.items.length && <li class="muted small">{t('composer.noArticles')}</li>}
      </ul>
    </div>
  );
}
