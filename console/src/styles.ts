// The console's stylesheet, injected by main.tsx (one file to serve, no build step for CSS).
export const CONSOLE_CSS = `
/* --line is for separators only; what can be typed in or pressed is outlined with --control-line (3:1 or more on every
   background here), and --muted small text reaches 4.5:1 on all of them (the selected inbox row #eef2ff included). */
:root { --bg:#f4f6fa; --card:#fff; --line:#e3e7ef; --control-line:#6b7280; --text:#1f2937; --muted:#4b5563; --accent:#2563eb; --note:#fff7d6; --note-line:#f0c419; --danger:#dc2626; --ok:#15803d; }
* { box-sizing: border-box; }
/* Read by screen readers, not shown: page headings, the announcer, counts' words. */
.visually-hidden { position:absolute !important; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; border:0; }
/* The first thing Tab reaches: shown only while focused. */
.skip-link { position:absolute; left:8px; top:-60px; z-index:100; background:#fff; color:var(--accent); border:2px solid var(--accent); border-radius:6px; padding:6px 12px; font-weight:600; }
.skip-link:focus { top:8px; }
/* Focused by the skip link and after sign-in (tabindex -1): the page itself needs no ring. */
main.page:focus { outline:none; }
html, body { margin:0; height:100%; background:var(--bg); color:var(--text); font:14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; }
#app { height:100%; }
a { color:var(--accent); }
button, .button { font:inherit; border:1px solid var(--control-line); background:#fff; border-radius:6px; padding:5px 10px; cursor:pointer; color:var(--text); text-decoration:none; display:inline-block; }
button:hover, .button:hover { border-color:#374151; }
button:disabled { opacity:.5; cursor:default; }
/* aria-disabled marks a button whose earlier press is still on its way (it stays focusable): a press now does nothing, so it looks it. */
button[aria-disabled=true] { opacity:.6; cursor:progress; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button.danger { color:var(--danger); border-color:var(--danger); }
button.link { border:none; background:none; padding:0; color:var(--accent); text-align:inherit; }
button.small, .button.small, .small { font-size:12px; }
/* WCAG 2.5.8 (AA in 2.2): every pointer target at least 24×24 CSS px, the small buttons and the inbox's ticks too. */
button.small { padding:2px 7px; min-height:24px; min-width:24px; }
input, select, textarea { font:inherit; border:1px solid var(--control-line); border-radius:6px; padding:5px 8px; background:#fff; color:var(--text); }
textarea { width:100%; resize:vertical; }
label { display:flex; flex-direction:column; gap:3px; font-size:12px; color:var(--muted); }
label.check { flex-direction:row; align-items:center; gap:6px; }
.email-alert-delay { max-width:8em; }
.muted { color:var(--muted); }
.error { color:var(--danger); }
.warn-text { color:#92400e; }
.ok { color:var(--ok); }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; margin-bottom:12px; }
.password-form { max-width:360px; display:flex; flex-direction:column; gap:8px; } .password-form label { display:flex; flex-direction:column; gap:2px; }
.name-form { max-width:480px; } .name-form label { display:flex; flex-direction:column; gap:2px; } .name-form p { margin:0; }
.two-step { max-width:480px; } .two-step label { display:flex; flex-direction:column; gap:2px; max-width:240px; } .two-step-secret { font-size:15px; letter-spacing:1px; word-break:break-all; } .recovery-codes { columns:2; margin:0; }
.badge { display:inline-block; font-size:11px; padding:1px 7px; border-radius:99px; background:#eef2ff; color:#3730a3; margin-right:4px; }
.badge.warn { background:#fef3c7; color:#92400e; }
.badge.late { background:#fee2e2; color:#991b1b; font-weight:600; }
.badge.note { background:var(--note-line); color:#3b2f00; }
.inline { display:flex; gap:8px; align-items:center; }
/* A row of inputs in a narrow card: they share the width instead of running past its edge. */
.inline.fit > input { flex:1 1 0; min-width:0; }
.wrap { flex-wrap:wrap; }
.stack { display:flex; flex-direction:column; gap:8px; }
.grow { flex:1; }
.nowrap { white-space:nowrap; }
.narrow { width:70px; }
.grid-2 { display:grid; grid-template-columns:1fr 1fr; gap:10px; }
.plain { list-style:none; margin:0; padding:0; }
.plain li { padding:3px 0; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; border-bottom:1px solid var(--line); padding:6px; vertical-align:top; }
tr.inactive { opacity:.55; }
.splash { padding:40px; text-align:center; }
.login { display:flex; align-items:center; justify-content:center; height:100%; }
.login-card { width:340px; display:flex; flex-direction:column; gap:10px; }
.login-card h1 { margin:0; }
.shell { display:flex; flex-direction:column; height:100%; }
.topbar { display:flex; flex-wrap:wrap; align-items:center; gap:8px 14px; padding:8px 14px; background:#111827; color:#e5e7eb; white-space:nowrap; }
.topbar nav { display:flex; flex-wrap:wrap; row-gap:4px; column-gap:12px; }
.topbar a { color:#cbd5e1; text-decoration:none; }
.icon { vertical-align:-2px; }
.menu-toggle { display:none; background:none; color:#e5e7eb; border-color:#9ca3af; }
/* The name is the part that gives way when the bar is short of room (the full name is in its title). */
.whoami { overflow:hidden; text-overflow:ellipsis; max-width:16em; }
.topbar a.active, .topbar .brand { color:#fff; font-weight:600; }
.topbar-right { margin-left:auto; display:flex; gap:10px; align-items:center; min-width:0; }
.topbar button.link { color:#93c5fd; }
.whoami { color:#9ca3af; font-size:12px; }
.conversation-header .viewers { color:#92400e; }
.presence .dot, .shopper-now .dot { display:inline-block; width:8px; height:8px; border-radius:50%; margin-right:6px; background:#9ca3af; }
.presence-online .dot, .shopper-now .dot-online { background:#22c55e; } .presence-away .dot { background:#f59e0b; }
/* Set Away for inactivity: under the top bar, on every page, until the agent says they are back. */
.away-banner { display:flex; flex-wrap:wrap; gap:8px 12px; align-items:center; padding:8px 14px; background:#fef3c7; color:#92400e; border-bottom:1px solid #fcd34d; }
.page { flex:1; min-height:0; overflow:auto; padding:12px; }
/* One row as tall as the page: the columns scroll inside, so the reply box stays on screen however long the chat. */
.inbox { display:grid; grid-template-columns:300px minmax(0, 1fr) 320px; grid-template-rows:minmax(0, 1fr); gap:12px; height:100%; }
.inbox-conversation { display:flex; flex-direction:column; min-height:0; min-width:0; }
.inbox-conversation > .conversation { flex:1; height:auto; }
/* Back to the list and the customer drawer: only where the columns do not all fit (media rules at the end). */
.inbox-mobile-bar, .drawer-close { display:none; }
.inbox-mobile-bar { justify-content:space-between; align-items:center; gap:8px; margin-bottom:6px; }
.messages-page { max-width:760px; } .left-message header { margin-bottom:4px; } .left-text { white-space:pre-wrap; margin:6px 0 10px; }
.row-actions { display:flex; gap:12px; align-items:center; flex-wrap:wrap; }
.customers-page { display:grid; grid-template-columns:340px minmax(0, 560px); gap:12px; align-items:start; }
.customers-list input { width:100%; margin-bottom:8px; } .customers-list li { padding:6px 4px; border-bottom:1px solid var(--line); } .customers-list li.current { background:var(--bg); }
.inbox-list, .inbox-customer { overflow:auto; }
.inbox-list { background:var(--card); border:1px solid var(--line); border-radius:10px; }
.views { display:flex; flex-wrap:wrap; gap:4px; padding:8px; border-bottom:1px solid var(--line); }
.views button { padding:3px 7px; font-size:13px; }
.views button.active { background:#eef2ff; border-color:var(--accent); }
.views .shortcuts-button { margin-left:auto; padding:3px 2px; font-size:12px; }
.open-status, .list-sort { display:flex; flex-wrap:wrap; align-items:center; gap:4px 8px; padding:6px 8px 0; } .open-status select, .list-sort select { font-size:13px; padding:2px 4px; }
.saved-views { display:flex; flex-wrap:wrap; align-items:center; gap:4px 6px; padding:6px 8px; border-bottom:1px solid var(--line); }
.saved-view { display:flex; align-items:center; gap:2px; } .saved-views button[data-testid=saved-view] { padding:3px 7px; font-size:13px; }
.saved-views button.active { background:#eef2ff; border-color:var(--accent); }
.saved-view-form { display:flex; flex-direction:column; gap:4px; width:100%; font-size:13px; }
.list-filters { display:flex; flex-wrap:wrap; align-items:center; gap:4px 8px; padding:6px 8px 0; } .list-filters select { font-size:13px; padding:2px 4px; }
.list-filters label { flex-direction:row; align-items:center; gap:4px; margin:0; } .list-filters input[type=number] { width:5em; font-size:13px; padding:2px 4px; margin:0; }
kbd { font-family:inherit; font-size:12px; border:1px solid var(--line); border-bottom-width:2px; border-radius:4px; padding:0 4px; background:var(--bg); white-space:nowrap; }
.shortcuts-dialog { border:1px solid var(--line); border-radius:10px; padding:16px 20px; max-width:min(480px, 92vw); }
.shortcuts-dialog::backdrop { background:rgba(15, 23, 42, .35); } .shortcuts-dialog h2 { margin-top:0; font-size:17px; }
.shortcuts-dialog table { border-collapse:collapse; width:100%; margin-bottom:12px; } .shortcuts-dialog th { text-align:left; padding:4px 12px 4px 0; font-weight:normal; white-space:nowrap; } .shortcuts-dialog td { padding:4px 0; }
.count { color:var(--muted); font-size:11px; }
.unread { background:var(--danger); color:#fff; border-radius:99px; font-size:11px; padding:0 6px; margin-left:4px; }
.search { padding:8px; } .search input { width:100%; } .search select { width:100%; margin-top:6px; }
.conversation-header .chips-editor { display:flex; flex-wrap:wrap; align-items:center; gap:4px; margin-top:4px; }
.conversation-header .chips-editor input { width:9em; padding:2px 6px; font-size:12px; } .conversation-header .chips-editor button[type=submit] { padding:2px 8px; font-size:12px; }
.conversation-header .chips-editor .error { flex-basis:100%; margin:0; }
.inbox-item .labels .tag { margin:2px 2px 0 0; }
.msg-page { margin-top:4px; } .msg-page a { word-break:break-all; }
.inbox-item { display:block; flex:1; min-width:0; padding:8px 10px; color:inherit; text-decoration:none; }
.inbox-row { display:flex; align-items:flex-start; border-bottom:1px solid var(--line); }
.inbox-row .bulk-tick { margin:6px 0 0 4px; flex:none; width:24px; height:24px; }
.bulk-bar { padding:6px 10px; border-bottom:1px solid var(--line); display:flex; flex-wrap:wrap; gap:6px 10px; align-items:center; }
.bulk-actions, .bulk-label { display:flex; gap:6px; align-items:center; }
.bulk-label input { width:8em; }
.bulk-bar p { flex-basis:100%; margin:0; }
.inbox-item.selected { background:#eef2ff; }
/* A priority chat: a red edge on its row and a mark before the name; the header's toggle shows pressed in the same red. */
.inbox-item.priority { box-shadow:inset 3px 0 0 #dc2626; } .badge.priority-mark { background:#fee2e2; color:#991b1b; font-weight:600; }
.priority-toggle[aria-pressed=true] { background:#fee2e2; color:#991b1b; border-color:#dc2626; font-weight:600; }
.inbox-item .row { display:flex; justify-content:space-between; gap:6px; }
.snippet { color:var(--muted); overflow:hidden; text-overflow:ellipsis; white-space:nowrap; max-width:220px; display:inline-block; }
.search-match { white-space:normal; display:-webkit-box; -webkit-line-clamp:2; -webkit-box-orient:vertical; } .search-match mark { background:#fde68a; color:inherit; padding:0; }
.search-match-author { font-weight:600; } .search-match + .unread { align-self:flex-start; } .search-scope { margin:4px 10px; } .msg.search-hit { outline:2px solid #f59e0b; outline-offset:2px; }
.inbox-list ul { list-style:none; margin:0; padding:0; }
.status { font-size:11px; border-radius:4px; padding:0 5px; background:#f1f5f9; }
.status-queued { background:#fee2e2; color:#991b1b; } .status-assigned { background:#dcfce7; color:#166534; } .status-bot { background:#e0f2fe; color:#075985; }
.empty { padding:30px; text-align:center; }
.conversation { display:flex; flex-direction:column; height:100%; min-height:0; background:var(--card); border:1px solid var(--line); border-radius:10px; }
.conversation-header { display:flex; justify-content:space-between; align-items:flex-start; padding:10px 14px; border-bottom:1px solid var(--line); gap:10px; }
.conversation-header h2 { margin:0 0 4px; font-size:17px; }
.actions { display:flex; gap:6px; align-items:center; flex-wrap:wrap; justify-content:flex-end; }
/* The agent picker and its button stay on one line; the picker gives up width (agent names can be long). */
.transfer { display:inline-flex; gap:6px; align-items:center; white-space:nowrap; } .transfer select { max-width:190px; min-width:0; }
.snooze { position:relative; display:inline-block; }
.snooze-menu { position:absolute; right:0; top:100%; margin-top:4px; z-index:20; width:290px; background:#fff; border:1px solid var(--line); border-radius:6px; box-shadow:0 6px 18px rgba(0,0,0,.12); padding:6px; display:flex; flex-direction:column; gap:2px; }
.snooze-menu > button { text-align:left; padding:5px 6px; display:flex; justify-content:space-between; gap:8px; }
.snooze-custom { display:flex; flex-wrap:wrap; gap:6px; justify-content:flex-end; padding:6px 6px 2px; border-top:1px solid var(--line); margin-top:4px; } .snooze-custom input { flex:1 1 100%; min-width:0; }
.snooze-menu p { margin:4px 6px 2px; }
.macro-menu-box { position:relative; display:inline-block; }
.macro-menu { position:absolute; right:0; top:100%; margin-top:4px; z-index:20; width:320px; max-height:60vh; overflow:auto; background:#fff; border:1px solid var(--line); border-radius:6px; box-shadow:0 6px 18px rgba(0,0,0,.12); padding:6px; display:flex; flex-direction:column; gap:2px; }
.macro-choice { text-align:left; padding:5px 6px; display:flex; flex-direction:column; gap:2px; } .macro-summary { white-space:normal; }
.macro-outcome:empty { display:none; } .macro-outcome { display:block; max-width:320px; }
.macro-actions { padding-left:20px; } .macro-actions textarea, .macro-actions input { flex:1 1 200px; }
.snoozed-banner { margin-top:4px; color:#6b21a8; } .snoozed-row { color:#6b21a8; }
.history { flex:1; min-height:120px; overflow:auto; padding:12px 14px; display:flex; flex-direction:column; gap:8px; }
.load-earlier { align-self:center; }
.msg { max-width:75%; padding:8px 11px; border-radius:10px; border:1px solid var(--line); }
.msg-customer { align-self:flex-start; background:#f8fafc; }
.msg-agent, .msg-bot { align-self:flex-end; background:#eff6ff; border-color:#dbeafe; }
.msg-bot { background:#f0fdf4; border-color:#dcfce7; }
.msg-private { background:var(--note); border:1px dashed var(--note-line); }
.msg-system { align-self:center; color:var(--muted); font-size:12px; }
.msg-meta { display:flex; gap:6px; align-items:center; font-size:12px; margin-bottom:2px; }
.msg-text { white-space:pre-wrap; word-break:break-word; }
.attachments { display:flex; flex-wrap:wrap; gap:6px; margin-top:4px; } .attachments img { display:block; max-width:220px; max-height:180px; border-radius:6px; border:1px solid #e5e7eb; }
.bot-preview { border-top:1px solid var(--line, #e5e7eb); margin-top:8px; padding-top:4px; }
.bot-preview .chips { display:flex; gap:6px; flex-wrap:wrap; }
.evidence { margin-top:6px; font-size:11px; } .evidence .articles a { margin-left:6px; }
.typing { color:var(--muted); font-style:italic; font-size:12px; }
.typing-line { padding:2px 14px 4px; }
.assist { border-top:1px solid var(--line); padding:6px 14px; background:#fafbff; max-height:30%; overflow:auto; flex-shrink:0; }
.assist header { display:flex; align-items:center; gap:8px; }
.assist header [data-testid=assist-refresh] { margin-left:auto; }
/* Compact: one line, the suggestion cut to the width (its whole text in the title and in the expanded panel). */
.assist-compact { padding:4px 14px; }
.assist-line { flex:1; min-width:0; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.suggestion, .passage { border:1px solid var(--line); border-radius:8px; padding:6px 8px; margin:6px 0; background:#fff; }
.suggestion p, .passage p { margin:2px 0 6px; white-space:pre-wrap; }
.composer { border-top:1px solid var(--line); padding:8px 14px; position:relative; }
.composer-note textarea { background:var(--note); border-color:#a16207; }
.composer-tabs { display:flex; gap:6px; margin-bottom:6px; }
.composer-mode { display:flex; gap:6px; }
.composer-tabs button.active { background:#eef2ff; border-color:var(--accent); }
.composer-note .composer-tabs button.active { background:var(--note); border-color:#a16207; }
.composer-footer { display:flex; justify-content:space-between; align-items:center; margin-top:4px; }
.canned-menu { position:absolute; bottom:100%; left:14px; right:14px; background:#fff; border:1px solid var(--line); border-radius:8px; list-style:none; margin:0; padding:4px; box-shadow:0 6px 18px rgba(0,0,0,.08); }
.canned-menu li { padding:4px 6px; border-radius:5px; cursor:pointer; }
.canned-menu li.active { background:#eef2ff; }
.personal-reply-list li { padding:8px 0; border-bottom:1px solid var(--line); }
.personal-reply-body { white-space:pre-wrap; margin:4px 0; }
.article-picker { border:1px solid var(--line); border-radius:8px; padding:6px; margin-bottom:6px; }
.article-picker ul { list-style:none; padding:0; margin:4px 0 0; max-height:140px; overflow:auto; }
.attached-products { list-style:none; padding:0; margin:4px 0; display:flex; flex-direction:column; gap:4px; }
.attached-products li { border:1px solid var(--line); border-radius:8px; padding:4px 8px; display:flex; gap:6px; align-items:baseline; }
.customer h3 { margin:0 0 6px; }
.facts { display:grid; grid-template-columns:auto 1fr; gap:2px 10px; margin:0; font-size:13px; }
.facts dt { color:var(--muted); } .facts dd { margin:0; word-break:break-word; }
.tag { display:inline-block; background:#f1f5f9; border-radius:99px; padding:1px 8px; margin:2px; font-size:12px; }
.segment-at_risk { background:#fee2e2; color:#991b1b; } .segment-loyal { background:#dcfce7; color:#166534; } .segment-new { background:#e0f2fe; color:#075985; }
.block-form input { width:100%; margin:4px 0; } .block-state, .block-form, [data-testid=block] { margin-top:8px; } button.link.danger { color:var(--danger); padding-left:0; }
.message-customer textarea { width:100%; margin:4px 0; box-sizing:border-box; } .message-customer, [data-testid=message-customer], [data-testid=message-customer-open] { margin-top:8px; display:block; }
.timeline { padding-left:16px; margin:0; font-size:13px; } .timeline li { margin-bottom:4px; }
li.current { font-weight:600; }
.admin-kb { display:grid; grid-template-columns:300px 1fr; gap:12px; }
.admin-intents { display:grid; grid-template-columns:280px 1fr; gap:12px; }
.kb-item.selected, button.selected { font-weight:700; }
.filters { display:flex; gap:4px; margin:6px 0; flex-wrap:wrap; }
.split { display:flex; gap:12px; margin-top:10px; }
.split > * { flex:1 1 0; min-width:0; }
.md-preview { border:1px solid var(--line); border-radius:8px; padding:8px 12px; overflow:auto; max-height:440px; }
.markdown pre { background:#f1f5f9; padding:8px; border-radius:6px; overflow:auto; }
.markdown blockquote { border-left:3px solid var(--line); margin:0; padding-left:10px; color:var(--muted); }
.markdown .table-scroll { overflow-x:auto; margin:8px 0; }
.markdown table { border-collapse:collapse; font-size:13px; }
.markdown th, .markdown td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
.markdown th { background:#f1f5f9; }
.markdown .align-center { text-align:center; } .markdown .align-right { text-align:right; }
.markdown img { max-width:100%; height:auto; }
.editor-head { display:flex; justify-content:space-between; align-items:center; }
.editor .actions { margin-top:10px; }
.kb-published { background:#dcfce7; color:#166534; } .kb-draft { background:#fef3c7; color:#92400e; }
.jobs { margin-bottom:8px; }
.job { display:flex; gap:8px; align-items:center; font-size:12px; }
.job progress { width:160px; }
.diff pre { background:#f8fafc; padding:8px; border-radius:6px; max-height:300px; overflow:auto; }
.diff-added { background:#dcfce7; } .diff-removed { background:#fee2e2; text-decoration:line-through; }
.tabs { display:flex; gap:6px; margin-bottom:10px; } .tabs button.active { background:#eef2ff; border-color:var(--accent); }
/* Section headings at their right level (h2 under the page's h1, h3 under a part's h2) at the size of the h4s they were. */
.section-title { font-size:1em; margin:1.33em 0; }
/* A row of labelled fields (the label above each): the fields and the buttons beside them line up at the bottom. */
.inline.labelled-row { align-items:flex-end; }
/* Focus moved to a chat's heading after an action (tabindex -1: not in the Tab order) shows no box. */
.conversation-header h2:focus:not(:focus-visible) { outline:none; }
fieldset { border:1px solid var(--line); border-radius:8px; }
/* An editor's fields as one group, disabled while a save is in flight: no frame of its own. */
fieldset.fields { border:0; padding:0; margin:0; min-width:0; }
.narrow-label { width:120px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; }
.kpi-value { font-size:24px; font-weight:600; }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:12px; }
.chart-box { position:relative; height:240px; }
.forbidden { max-width:520px; margin:40px auto; text-align:center; }
.install-title { margin:0; font-size:15px; }
.install-row { display:flex; gap:8px; align-items:flex-start; }
.install-snippet { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; flex:1; resize:none; }

/* Up to a large screen the top bar keeps to one row: tighter links, and the notification offer and the role give
   up their words (both stay in the title). */
@media (max-width: 1600px) {
  .wide-only { display:none; }
  .topbar { gap:8px 12px; }
  .topbar nav { column-gap:10px; font-size:13px; }
  .topbar-right { gap:8px; font-size:13px; }
}

/* Laptops and tablets: the customer panel becomes a drawer over the page, opened from the conversation's bar. */
@media (max-width: 1180px) {
  .inbox { grid-template-columns:280px minmax(0, 1fr); }
  .inbox-mobile-bar { display:flex; }
  .inbox-mobile-bar [data-testid=back-to-inbox] { visibility:hidden; }
  .inbox-customer { display:none; }
  .inbox.customer-open .inbox-customer { display:block; position:fixed; top:0; right:0; bottom:0; width:min(360px, 100vw); z-index:30; background:var(--bg); padding:10px; box-shadow:-8px 0 24px rgba(0,0,0,.18); }
  .inbox.customer-open .drawer-close { display:block; margin:0 0 8px auto; }
  .customers-page { grid-template-columns:300px minmax(0, 1fr); }
}

/* Phones: one column at a time (the list, or the open conversation with a way back), the top bar behind a menu. */
@media (max-width: 760px) {
  .page { padding:6px; }
  .topbar { padding:6px 10px; gap:6px 10px; }
  .menu-toggle { display:inline-block; order:2; }
  .topbar-right { order:1; }
  .topbar nav { order:3; flex-basis:100%; display:none; flex-direction:column; gap:8px; padding:6px 0; }
  .topbar:not(.menu-open) .topbar-right > :not(.presence):not(.badge) { display:none; }
  .topbar.menu-open nav { display:flex; }
  .topbar.menu-open .topbar-right { order:4; flex-basis:100%; margin-left:0; flex-wrap:wrap; white-space:normal; }
  .whoami { max-width:100%; }
  .inbox { grid-template-columns:minmax(0, 1fr); gap:6px; }
  .inbox.has-conversation .inbox-list { display:none; }
  .inbox:not(.has-conversation) .inbox-conversation { display:none; }
  .inbox-mobile-bar [data-testid=back-to-inbox] { visibility:visible; }
  .snippet { max-width:70vw; }
  .conversation-header { flex-direction:column; padding:8px 10px; }
  .conversation-header .actions { justify-content:flex-start; }
  .history { padding:8px 10px; min-height:160px; }
  .msg { max-width:90%; }
  .composer { padding:6px 10px; }
  .composer textarea { font-size:16px; } /* 16 px or more: phones do not zoom the page when it takes focus */
  .assist { padding:4px 10px; }
  .customers-page, .admin-kb, .admin-intents, .grid-2, .charts { grid-template-columns:minmax(0, 1fr); }
  .split { flex-direction:column; }
  .messages-page { max-width:none; }
  table { display:block; overflow-x:auto; }
}
`;
