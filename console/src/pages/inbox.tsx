// The inbox: views (queued, mine, all open, snoozed, mentions of me, resolved) with live counts and
// unread badges, an order the agent chooses, priority marks, search, and the open conversation with its customer
// beside it.
// Live: every conversation:updated / messages:new refetches the list and the
// counts (two requests, at most every 250 ms), so what is shown is always what
// the server holds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { minutesWaitingPastTarget } from '../reply-target.ts';
import { ApiError, errorText, get, post, query } from '../api.ts';
import { useSession } from '../context.ts';
import { useDebounced, useLoad, useSocketEvent, formatTime } from '../hooks.ts';
import { getLocale, t, type Key } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { InboxItem } from '../types.ts';
import { ConversationView } from './conversation.tsx';
import { ALT_LABEL, isAltShortcut, isTypingIn, SHORTCUT_LIST } from '../shortcuts.ts';
import { CustomerPanel } from './customer-panel.tsx';
import { formatWake } from '../snooze.ts';
import { matchAuthorLabel } from '../message-wording.ts';
import { useChatRead } from '../unread-title.ts';
import { extraQuery, MoreFilters, SavedViews, type CurrentFilters, type ExtraFilters, type InboxFilterSet, type SavedView } from './inbox-views.tsx';

const VIEWS = ['queued', 'mine', 'open', 'snoozed', 'mentions', 'resolved'] as const;
type Tab = (typeof VIEWS)[number];
/** A tab, or every chat (a saved view over all of them: no tab is chosen then). */
type View = Tab | 'all';

/**
 * Which chats "All open" shows. By default the ones people deal with (waiting in the queue or held by someone): the
 * bot's chats stay open for up to 30 minutes, and at real volume they would bury the rest; they are one click away.
 * The choice is kept in localStorage, so a reload or a new tab keeps it.
 */
const OPEN_STATUSES = ['people', 'queued', 'assigned', 'bot', 'all'] as const;
type OpenStatus = (typeof OPEN_STATUSES)[number];
const OPEN_STATUS_KEY = 'sd.openStatus';
/** The list's `status` parameter for each choice (none: every open status). */
const OPEN_STATUS_PARAM: Record<OpenStatus, string | undefined> = { people: 'queued,assigned', queued: 'queued', assigned: 'assigned', bot: 'bot', all: undefined };
/** capped (the Resolved view's): there are more than `total`, which the server stops counting at. */
type ViewCount = { total: number; unread: number; capped?: boolean };
/** The least time between two reloads of the list and its counts on events (see refresh below). */
const INBOX_RELOAD_GAP_MS = 2_000;
const countText = (count: ViewCount | undefined) => (count ? `${count.total}${count.capped ? '+' : ''}` : '…');
type Counts = Record<Tab, ViewCount> & { openByStatus: Record<'bot' | 'queued' | 'assigned', ViewCount> };
/** "All open"'s count under the status chosen: what its list holds. */
function openCount(counts: Counts, status: OpenStatus): ViewCount {
  const by = counts.openByStatus;
  if (status === 'all') return counts.open;
  if (status === 'people') return { total: by.queued.total + by.assigned.total, unread: by.queued.unread + by.assigned.unread };
  return by[status];
}
/** "All open"'s status choice that lists these statuses (a saved view's), if there is one. */
const openStatusListing = (statuses: string[] | undefined): OpenStatus | undefined =>
  OPEN_STATUSES.find((s) => (OPEN_STATUS_PARAM[s]?.split(',').sort().join(',') ?? '') === [...(statuses ?? [])].sort().join(','));
const readOpenStatus = (): OpenStatus => {
  const stored = localStorage.getItem(OPEN_STATUS_KEY);
  return (OPEN_STATUSES as readonly string[]).includes(stored ?? '') ? (stored as OpenStatus) : 'people';
};

/**
 * The list's order, chosen above it and kept per browser (localStorage, as the status choice). The queue and the
 * snoozed list have an order of their own (first in line, soonest to wake: `own`, no `sort` sent) that stays theirs
 * until the agent picks another there, so each keeps its own choice; the other views share one, newest activity first
 * by default.
 */
const SORTS = ['newest', 'oldest', 'waiting', 'priority'] as const;
type SortChoice = (typeof SORTS)[number] | 'own';
type SortScope = 'queued' | 'snoozed' | 'lists';
const SORT_KEY = 'sd.inboxSort';
const sortScope = (view: string): SortScope => (view === 'queued' || view === 'snoozed' ? view : 'lists');
const sortChoices = (scope: SortScope): readonly SortChoice[] => (scope === 'lists' ? SORTS : ['own', ...SORTS]);
const sortKey = (scope: SortScope) => (scope === 'lists' ? SORT_KEY : `${SORT_KEY}.${scope}`);
const readSort = (scope: SortScope): SortChoice => {
  const stored = localStorage.getItem(sortKey(scope)) ?? '';
  return (sortChoices(scope) as readonly string[]).includes(stored) ? (stored as SortChoice) : sortChoices(scope)[0];
};

/** With a search, the server says which message of the chat matched (server/repositories/conversation-search.ts). */
type SearchMatch = { messageId: number; authorType: string; private: boolean; snippet: string };
/** In the Mentions view, the server says which chats have a mention of me I have not seen (opening the chat sees it). */
type ListedItem = InboxItem & { match?: SearchMatch; mentionUnseen?: boolean };
type InboxList = { items: ListedItem[]; search?: { scope: 'all' | 'recent'; window: number } };

export function InboxPage({ conversationId, view: routeView }: { conversationId: number | null; view: string | null }) {
  const { socket } = useSession();
  const [view, setView] = useState<View>(() => [...VIEWS, 'all'].includes(routeView ?? '') ? (routeView as View) : ((sessionStorage.getItem('sd.view') as View | null) ?? 'open'));
  const [search, setSearch] = useState('');
  const [appliedSearch, setAppliedSearch] = useState('');
  // A search looks in the open view first; one click widens it to every conversation (resolved ones too), which is
  // where an order number from last month usually is.
  const [searchEverywhere, setSearchEverywhere] = useState(false);
  const listedView = appliedSearch && searchEverywhere ? 'all' : view;
  const [openStatus, setOpenStatusState] = useState<OpenStatus>(readOpenStatus);
  const setOpenStatus = (status: OpenStatus) => {
    localStorage.setItem(OPEN_STATUS_KEY, status);
    setOpenStatusState(status);
  };
  // Assigned to, priority, language, waiting longer than (and a view's statuses the menu cannot show): inbox-views.tsx.
  const [extra, setExtra] = useState<ExtraFilters>({});
  const status = extra.status ? extra.status.join(',') : listedView === 'open' ? OPEN_STATUS_PARAM[openStatus] : undefined;
  const sortIn = sortScope(listedView);
  const [sorts, setSorts] = useState<Record<SortScope, SortChoice>>(() => ({ queued: readSort('queued'), snoozed: readSort('snoozed'), lists: readSort('lists') }));
  const chooseSort = (choice: SortChoice) => {
    localStorage.setItem(sortKey(sortIn), choice);
    setSorts((current) => ({ ...current, [sortIn]: choice }));
  };
  const sort = sorts[sortIn] === 'own' ? undefined : sorts[sortIn];
  const [label, setLabel] = useState('');
  const [teamId, setTeamId] = useState('');
  // `label` is one label, or a saved view's several (any of them), comma-separated.
  const list = useLoad(() => get<InboxList>(`/api/conversations${query({ view: listedView, status, q: appliedSearch, labels: label, teamId, sort, ...extraQuery(extra), limit: 100 })}`),
    [listedView, status, appliedSearch, label, teamId, sort, JSON.stringify(extra)]);
  // Teams change rarely (an admin's edit): read once; the filter only appears when the shop has teams.
  const teams = useLoad(() => get<{ items: { id: number; name: string }[] }>('/api/teams'), []);
  const labelsInUse = useLoad(() => get<{ items: { label: string; conversations: number }[] }>('/api/conversation-labels'), []);
  const counts = useLoad(() => get<Counts>('/api/conversations/counts'), []);
  const countOf = (v: Tab): ViewCount | undefined => counts.data && (v === 'open' ? openCount(counts.data, openStatus) : counts.data[v]);
  const targets = useLoad(() => get<{ firstReplyTargetMinutes: number }>('/api/service-targets'), []);
  // Waits grow with nobody writing: a clock re-renders the "waiting" marks every half minute.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  // The customer of the chat on screen, named with its chat: while a newly opened chat loads, the previous one's
  // customer is not shown beside it (nor is a late answer for a chat already left).
  const [shownCustomer, setShownCustomer] = useState<{ conversationId: number; customerId: number } | null>(null);
  const customerId = shownCustomer && shownCustomer.conversationId === conversationId ? shownCustomer.customerId : null;
  // Where the three columns do not fit, the customer panel is a drawer (styles.ts media rules); closed on each chat.
  const [customerOpen, setCustomerOpen] = useState(false);
  useEffect(() => setCustomerOpen(false), [conversationId]);

  // Every console hears every chat's messages: with many agents, a reload per message would be one list and one
  // counts query per agent for each line a shopper writes. At most one per INBOX_RELOAD_GAP_MS; the last one follows
  // the last event, so the newest state is shown.
  const refresh = useDebounced(() => {
    list.reload();
    counts.reload();
  }, 250, INBOX_RELOAD_GAP_MS);
  useSocketEvent(socket, 'conversation:updated', refresh);
  useSocketEvent(socket, 'messages:new', refresh);
  useChatRead(refresh); // the open chat's unread badge goes once the server has it read
  useSocketEvent(socket, 'conversation:read', refresh); // …and when it was read in another tab or console
  useSocketEvent(socket, 'conversation:labels', () => {
    refresh();
    labelsInUse.reload();
  });
  useSocketEvent(socket, 'labels:changed', ({ from, to }) => {
    // A filter on a renamed label follows it; on a removed one it would show nothing, so it is cleared.
    if (label === from) setLabel(to ?? '');
    refresh();
    labelsInUse.reload();
  });
  useEffect(() => {
    socket.on('connect', refresh);
    return () => void socket.off('connect', refresh);
  }, [socket]);

  const selectView = (v: View) => {
    setView(v);
    setSearchEverywhere(false); // picking a tab narrows a widened search to it
    setExtra(({ status: _viewStatuses, ...rest }) => rest); // the tab's own statuses, not a view's
    sessionStorage.setItem('sd.view', v);
  };
  // What the list shows, as a saved view keeps it; and a view applied: the controls set to its filters and order.
  const currentFilters: CurrentFilters = {
    filters: {
      view: listedView, status: status?.split(','), teamId: teamId ? Number(teamId) : undefined, labels: label ? label.split(',') : undefined,
      assignee: extra.assignee, priority: extra.priority, language: extra.language, channel: extra.channel, waitingMinutes: extra.waitingMinutes,
    },
    sort: sort ?? null,
  };
  const applyView = ({ filters, sort: viewSort }: SavedView) => {
    const tab = (filters.view ?? 'all') as View;
    selectView(tab);
    const listing = tab === 'open' ? openStatusListing(filters.status) : undefined;
    if (listing) setOpenStatus(listing);
    setExtra({
      assignee: filters.assignee, priority: filters.priority, language: filters.language, channel: filters.channel, waitingMinutes: filters.waitingMinutes,
      status: listing ? undefined : filters.status,
    } satisfies Omit<InboxFilterSet, 'view' | 'teamId' | 'labels'>);
    setLabel(filters.labels?.join(',') ?? '');
    setTeamId(filters.teamId ? String(filters.teamId) : '');
    const scope = sortScope(tab);
    const choice: SortChoice = viewSort ?? (scope === 'lists' ? 'newest' : 'own');
    localStorage.setItem(sortKey(scope), choice);
    setSorts((current) => ({ ...current, [scope]: choice }));
  };
  // A failed load keeps the last answer (useLoad): not drawn under the error, where it would pass for its results.
  const items = list.error ? [] : list.data?.items ?? [];
  // Ticked chats for a bulk action; only those still listed count (a chat that left the view drops out).
  const [ticked, setTicked] = useState<Set<number>>(new Set());
  useEffect(() => setTicked(new Set()), [listedView, status, appliedSearch, label, teamId, JSON.stringify(extra)]);
  const selected = items.filter((i) => ticked.has(i.conversation.id)).map((i) => i.conversation.id);
  const tick = (id: number, on: boolean) => setTicked((prev) => {
    const next = new Set(prev);
    if (on) next.add(id);
    else next.delete(id);
    return next;
  });

  // Keyboard: Alt+J / Alt+K next / previous conversation in the list (by key position: see shortcuts.ts). The chat
  // opened so gets the cursor in its reply box, unless the agent is typing somewhere else (the search, a label, a
  // reason): that stays theirs.
  const [focusReplyOf, setFocusReplyOf] = useState<number | null>(null);
  // The message a search hit opened its chat at: the chat loads earlier pages until it is shown.
  const [revealOf, setRevealOf] = useState<{ conversationId: number; messageId: number } | null>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const down = isAltShortcut(event, 'J');
      if (!down && !isAltShortcut(event, 'K')) return;
      event.preventDefault();
      const index = items.findIndex((i) => i.conversation.id === conversationId);
      const next = items[down ? index + 1 : Math.max(0, index - 1)] ?? items[0];
      if (!next) return;
      const typingElsewhere = isTypingIn(document.activeElement) && !document.activeElement!.matches('[data-testid=reply-input]');
      setFocusReplyOf(typingElsewhere ? null : next.conversation.id);
      setRevealOf(null);
      if (next.conversation.id === conversationId) {
        if (!typingElsewhere) document.querySelector<HTMLElement>('.inbox-conversation [data-testid=reply-input]')?.focus();
      } else navigate(`/console/conversations/${next.conversation.id}`);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, conversationId]);
  // "?" outside a text box lists the shortcuts (so does the button under the views).
  const [helpOpen, setHelpOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '?' || event.ctrlKey || event.metaKey || event.altKey || isTypingIn(document.activeElement)) return;
      event.preventDefault();
      setHelpOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class={`inbox${conversationId ? ' has-conversation' : ''}${customerOpen ? ' customer-open' : ''}`}>
      <aside class="inbox-list" data-testid="inbox" aria-label={t('a11y.chatList')}>
        {/* Buttons that choose what the list below shows (not tabs: there are no panels to move between). */}
        <div class="views" role="group" aria-label={t('a11y.views')}>
          {VIEWS.map((v) => (
            <button key={v} aria-pressed={view === v} class={view === v ? 'active' : ''} data-testid={`view-${v}`} onClick={() => selectView(v)}>
              {t(`view.${v}` as Key)} <span class="count" data-testid={`count-${v}`}>{countText(countOf(v))}</span>
              {(countOf(v)?.unread ?? 0) > 0 && <span class="unread">{countOf(v)?.unread}<span class="visually-hidden"> {t('a11y.unread')}</span></span>}
            </button>
          ))}
          <button class="link small shortcuts-button" data-testid="shortcuts-button" aria-haspopup="dialog" onClick={() => setHelpOpen(true)}>
            {t('shortcuts.open')} <kbd>?</kbd>
          </button>
        </div>
        <SavedViews current={currentFilters} onApply={applyView} />
        {listedView === 'open' && (
          <div class="open-status small" data-testid="open-status-bar">
            <select data-testid="open-status" aria-label={t('openStatus.label')} value={extra.status ? '' : openStatus}
              onChange={(e) => { setExtra(({ status: _viewStatuses, ...rest }) => rest); setOpenStatus(e.currentTarget.value as OpenStatus); }}>
              {extra.status && <option value="">{extra.status.map((s) => t(`status.${s}` as Key)).join(', ')}</option>}
              {OPEN_STATUSES.map((s) => (
                <option key={s} value={s}>{t(`openStatus.${s}` as Key)}{counts.data ? ` (${openCount(counts.data, s).total})` : ''}</option>
              ))}
            </select>
            {openStatus !== 'bot' && openStatus !== 'all' && (counts.data?.openByStatus.bot.total ?? 0) > 0 && (
              <button class="link small" data-testid="show-bot-chats" onClick={() => setOpenStatus('bot')}>
                {t('openStatus.showBot', { count: counts.data!.openByStatus.bot.total })}
              </button>
            )}
          </div>
        )}
        <div class="list-sort small">
          <select data-testid="inbox-sort" aria-label={t('sort.label')} title={t('sort.label')} value={sorts[sortIn]} onChange={(e) => chooseSort(e.currentTarget.value as SortChoice)}>
            {sortChoices(sortIn).map((choice) => (
              <option key={choice} value={choice}>{t(choice === 'own' ? `sort.own.${sortIn}` : `sort.${choice}` as Key)}</option>
            ))}
          </select>
        </div>
        <form class="search" onSubmit={(e) => { e.preventDefault(); setAppliedSearch(search.trim()); }}>
          <input type="search" data-testid="inbox-search" maxLength={200} placeholder={t('inbox.search')} aria-label={t('inbox.search')} value={search}
            onInput={(e) => { setSearch(e.currentTarget.value); if (!e.currentTarget.value) { setAppliedSearch(''); setSearchEverywhere(false); } }} />
          <button type="submit" class="small" data-testid="inbox-search-go">{t('inbox.searchGo')}</button>
          {(labelsInUse.data?.items.length ?? 0) > 0 && (
            <select data-testid="label-filter" aria-label={t('labels.filter')} value={label} onChange={(e) => setLabel(e.currentTarget.value)}>
              <option value="">{t('labels.all')}</option>
              {labelsInUse.data!.items.map((l) => <option key={l.label} value={l.label}>{l.label} ({l.conversations})</option>)}
              {label.includes(',') && <option value={label}>{label.split(',').join(t('filters.or'))}</option>}
            </select>
          )}
          {(teams.data?.items.length ?? 0) > 0 && (
            <select data-testid="team-filter" aria-label={t('teams.filter')} value={teamId} onChange={(e) => setTeamId(e.currentTarget.value)}>
              <option value="">{t('teams.all')}</option>
              {teams.data!.items.map((team) => <option key={team.id} value={String(team.id)}>{team.name}</option>)}
            </select>
          )}
        </form>
        <MoreFilters extra={extra} onChange={setExtra} />
        <BulkBar items={items} selected={selected} setTicked={setTicked} onDone={refresh} canResolve={listedView !== 'resolved'} />
        {appliedSearch && (
          <p class="muted small search-where" data-testid="search-where">
            {searchEverywhere ? t('inbox.searchedAll') : t('inbox.searchedIn', { view: t(`view.${view}` as Key) })}{' '}
            <button class="link" data-testid="search-everywhere" onClick={() => setSearchEverywhere(!searchEverywhere)}>
              {searchEverywhere ? t('inbox.searchOnlyIn', { view: t(`view.${view}` as Key) }) : t('inbox.searchAll')}
            </button>
          </p>
        )}
        {!list.error && list.data?.search?.scope === 'recent' && <p class="muted small search-scope" data-testid="search-recent-only">{t('search.recentOnly', { n: list.data.search.window })}</p>}
        {list.error && <p class="error">{list.error}</p>}
        {!list.loading && !list.error && !items.length && <p class="muted empty">{t('inbox.empty')}</p>}
        <ul>
          {items.map((item) => (
            <li key={item.conversation.id} class="inbox-row">
              <input type="checkbox" class="bulk-tick" data-testid="bulk-tick" checked={ticked.has(item.conversation.id)}
                aria-label={t('bulk.tick', { name: item.customer.name || item.customer.email || `${t('customer.visitor')} #${item.customer.id}` })}
                onChange={(e) => tick(item.conversation.id, e.currentTarget.checked)} />
              <a href={`/console/conversations/${item.conversation.id}`} data-testid="inbox-item" data-conversation-id={item.conversation.id}
                class={`inbox-item ${item.conversation.id === conversationId ? 'selected' : ''}${item.mentionUnseen ? ' mention-unseen' : ''}${item.conversation.priority ? ' priority' : ''}`}
                data-mention-unseen={item.mentionUnseen ? 'true' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  setFocusReplyOf(null);
                  navigate(`/console/conversations/${item.conversation.id}`);
                  setRevealOf(item.match ? { conversationId: item.conversation.id, messageId: item.match.messageId } : null);
                  if (item.match) revealMessage(item.match.messageId);
                }}>
                <div class="row">
                  <strong>
                    {item.conversation.priority && <><span class="badge priority-mark" data-testid="priority-mark">{t('priority.mark')}</span>{' '}</>}
                    {item.customer.name || item.customer.email || `${t('customer.visitor')} #${item.customer.id}`}
                  </strong>
                  <span class="muted small">{formatTime(item.lastMessage?.createdAt ?? item.conversation.createdAt)}</span>
                </div>
                <div class="row">
                  {item.match
                    ? <span class="snippet search-match" data-testid="search-match" data-message-id={item.match.messageId} title={t('search.matchHint')}>
                        <span class="search-match-author">{matchAuthorLabel(item.match)}</span>
                        <Highlighted text={item.match.snippet} words={list.data?.search ? appliedSearch : ''} />
                      </span>
                    : <span class="snippet">{item.lastMessage?.text ?? ''}</span>}
                  {item.mentionUnseen && <span class="badge warn" data-testid="mention-unseen" title={t('mentions.unseen')}>@<span class="visually-hidden"> {t('mentions.unseen')}</span></span>}
                  {item.unread > 0 && <span class="unread" data-testid="unread">{item.unread}</span>}
                </div>
                <div class="row small">
                  <span class={`status status-${item.conversation.status}`}>{t(`status.${item.conversation.status}` as Key)}</span>
                  {item.conversation.channel === 'email' && <span class="badge channel-email" data-testid="email-mark" title={t('channel.emailHint')}><span aria-hidden="true">✉</span> {t('channel.email')}</span>}
                  {item.conversation.team && <span class="badge team-badge" data-testid="team-badge" title={t('teams.badgeHint')}>{item.conversation.team.name}</span>}
                  <LateMark conversation={item.conversation} waitingSince={item.waitingSince} targetMinutes={targets.data?.firstReplyTargetMinutes ?? 0} now={now} />
                  <span class="muted">{item.conversation.assignee?.name ?? ''}</span>
                </div>
                {item.conversation.snoozedUntil && (
                  <div class="row small snoozed-row" data-testid="snoozed-wakes">{t('snooze.wakes', { time: formatWake(item.conversation.snoozedUntil) })}</div>
                )}
                {item.labels.length > 0 && <div class="row small labels">{item.labels.map((l) => <span class="tag" key={l}>{l}</span>)}</div>}
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <section class="inbox-conversation">
        {conversationId && (
          <div class="inbox-mobile-bar">
            <button class="link" data-testid="back-to-inbox" onClick={() => navigate('/console')}>← {t('layout.backToInbox')}</button>
            <button class="small" data-testid="toggle-customer" aria-expanded={customerOpen} onClick={() => setCustomerOpen(!customerOpen)}>{t('layout.customer')}</button>
          </div>
        )}
        {conversationId
          ? <ConversationView key={conversationId} conversationId={conversationId} focusReply={focusReplyOf === conversationId}
              revealMessageId={revealOf?.conversationId === conversationId ? revealOf.messageId : undefined} onCustomer={(forConversation, id) => setShownCustomer({ conversationId: forConversation, customerId: id })} />
          : <div class="muted empty">{t('inbox.pick')}<p class="small" data-testid="shortcuts-help">{t('shortcuts.help', { alt: ALT_LABEL })}</p></div>}
      </section>
      <aside class="inbox-customer" data-testid="customer-column" aria-label={t('a11y.customerColumn')}>
        {customerOpen && <button class="small drawer-close" data-testid="close-customer" onClick={() => setCustomerOpen(false)}>{t('layout.closeCustomer')}</button>}
        {conversationId && customerId ? <CustomerPanel key={customerId} customerId={customerId} conversationId={conversationId} />
          : conversationId ? <p class="muted empty" data-testid="customer-loading">{t('loading')}</p> : null}
      </aside>
      {helpOpen && <ShortcutsHelp onClose={() => setHelpOpen(false)} />}
    </div>
  );
}

/**
 * The keyboard shortcuts, in a modal dialog (opened with "?" or the button under the views): Escape or Close shuts it
 * and the focus goes back where it was.
 */
function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} class="shortcuts-dialog" data-testid="shortcuts-dialog" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">{t('shortcuts.title')}</h2>
      <table>
        <tbody>
          {SHORTCUT_LIST.map((s) => (
            <tr key={s.what} data-testid="shortcut-row"><th scope="row"><kbd>{s.keys(ALT_LABEL)}</kbd></th><td>{t(s.what as Key)}</td></tr>
          ))}
        </tbody>
      </table>
      <form method="dialog"><button class="primary" data-testid="shortcuts-close">{t('shortcuts.close')}</button></form>
    </dialog>
  );
}

/** A chat the bulk action refused, with the refusal as an error body says it (server/errors.ts refusalBody). */
interface BulkRefusal { conversationId: number; code: string; message: string; reason?: string; params?: Record<string, string> }

/**
 * Why chats were refused, each refusal worded as the console words it alone (errorText: in the console's language) and
 * alike ones said once, the most frequent first, with how many chats each stopped where there is more than one reason.
 */
function refusalsText(failed: BulkRefusal[]): string {
  const counts = new Map<string, number>();
  for (const refusal of failed) {
    // No HTTP status of its own (the batch's answer was a 200), as for a refusal on the live connection.
    const text = errorText(new ApiError(0, refusal.reason ?? refusal.code, refusal.message, refusal.params));
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  if (counts.size === 1) return [...counts.keys()][0];
  return sentences([...counts].sort((a, b) => b[1] - a[1]).map(([reason, count]) => t('bulk.failedGroup', { reason, count })));
}

/** Sentences one after another: spaced in English, run on in Chinese. */
const sentences = (parts: string[]) => parts.join(getLocale() === 'en' ? ' ' : '');

/**
 * Above the list: "select all shown", and with chats ticked, what to do with them (resolve, add a label). The server
 * handles each as if alone; those it refuses are named with the reason and stay ticked.
 */
function BulkBar({ items, selected, setTicked, onDone, canResolve }: {
  items: ListedItem[]; selected: number[]; setTicked: (next: Set<number>) => void; onDone: () => void; canResolve: boolean;
}) {
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ text: string; error: boolean } | null>(null);
  // An emptied list (every chat resolved) still says what was done: the bar then holds only the outcome.
  if (!items.length && !outcome) return null;
  const allTicked = selected.length === items.length;
  const run = async (action: 'resolve' | 'label') => {
    if (action === 'resolve' && !confirm(t('bulk.confirmResolve', { count: selected.length }))) return;
    setBusy(true);
    setOutcome(null);
    try {
      const result = await post<{ done: number[]; failed: BulkRefusal[] }>('/api/conversations/bulk',
        action === 'label' ? { conversationIds: selected, action, label } : { conversationIds: selected, action });
      const doneText = t(action === 'resolve' ? 'bulk.resolved' : 'bulk.labelled', { count: result.done.length, label: label.trim().toLowerCase() });
      const reasons = refusalsText(result.failed);
      setOutcome({ text: result.failed.length ? sentences([doneText, t('bulk.failed', { count: result.failed.length, reasons })]) : doneText, error: result.failed.length > 0 });
      setTicked(new Set(result.failed.map((f) => f.conversationId)));
      if (action === 'label') setLabel('');
      onDone();
    } catch (err) {
      setOutcome({ text: errorText(err), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="bulk-bar" data-testid="bulk-bar">
      {items.length > 0 && <label class="small">
        <input type="checkbox" data-testid="bulk-all" checked={allTicked} ref={(el) => { if (el) el.indeterminate = selected.length > 0 && !allTicked; }}
          onChange={(e) => setTicked(new Set(e.currentTarget.checked ? items.map((i) => i.conversation.id) : []))} />
        {' '}{selected.length ? t('bulk.selected', { count: selected.length }) : t('bulk.selectAll')}
      </label>}
      {items.length > 0 && selected.length > 0 && (
        <div class="bulk-actions">
          {canResolve && <button class="small" data-testid="bulk-resolve" disabled={busy} onClick={() => run('resolve')}>{t('bulk.resolve')}</button>}
          <form class="bulk-label" onSubmit={(e) => { e.preventDefault(); if (label.trim()) void run('label'); }}>
            <input class="small" data-testid="bulk-label" placeholder={t('bulk.labelPlaceholder')} aria-label={t('bulk.labelPlaceholder')} maxLength={40}
              value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
            <button class="small" type="submit" data-testid="bulk-label-add" disabled={busy || !label.trim()}>{t('bulk.addLabel')}</button>
          </form>
        </div>
      )}
      {/* Once the list is emptied it is shown as a status, error or not. */}
      {outcome && <p class={`small ${outcome.error ? 'error' : 'ok'}`} role={outcome.error && items.length > 0 ? 'alert' : 'status'} data-testid="bulk-outcome">{outcome.text}</p>}
    </div>
  );
}

/**
 * `text` with every case-insensitive occurrence of `words` in a <mark>. Built from text nodes, never markup, so a
 * message cannot inject HTML. Where lower-casing changes the length (a few scripts) nothing is marked rather than
 * the wrong characters.
 */
function Highlighted({ text, words }: { text: string; words: string }) {
  const needle = words.toLowerCase();
  const haystack = text.toLowerCase();
  if (!needle || haystack.length !== text.length) return <>{text}</>;
  const parts = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(<mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}

/**
 * Scrolls the opened chat to the message a search found, once the chat has drawn it. The chat itself scrolls to its
 * newest message when its messages arrive, so this waits for that frame before moving. A message older than the chat's
 * newest page is drawn once the chat has loaded the pages back to it (see `revealMessageId`): this gives up 5 s after
 * the history last grew.
 */
function revealMessage(messageId: number): void {
  let lastGrew = Date.now();
  let shown = 0;
  const attempt = () => {
    const element = document.querySelector<HTMLElement>(`.inbox-conversation [data-message-id="${messageId}"]`);
    if (!element) {
      const nowShown = document.querySelectorAll('.inbox-conversation [data-message-id]').length;
      if (nowShown !== shown) [shown, lastGrew] = [nowShown, Date.now()];
      if (Date.now() - lastGrew < 5000) setTimeout(attempt, 50);
      return;
    }
    setTimeout(() => requestAnimationFrame(() => {
      element.scrollIntoView({ block: 'center' });
      element.classList.add('search-hit');
    }), 50);
  };
  attempt();
}

/** "Waiting 7 min" on a chat whose shopper waits for a first or a next reply past the team's reply target. */
function LateMark({ conversation, waitingSince, targetMinutes, now }: { conversation: InboxItem['conversation']; waitingSince: InboxItem['waitingSince']; targetMinutes: number; now: number }) {
  const minutes = minutesWaitingPastTarget(conversation, targetMinutes, now, waitingSince);
  if (minutes === null) return null;
  const hint = conversation.firstResponseAt ? 'inbox.lateHintNext' : 'inbox.lateHint';
  return <span class="badge late" data-testid="late" title={t(hint, { target: targetMinutes })}>{t('inbox.waiting', { minutes })}</span>;
}
