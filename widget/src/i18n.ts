// UI strings in English and Simplified Chinese, and the rule that picks one:
// the embed's data-lang, then the shop's setting, then the shopper's browser,
// then the page's own lang attribute.
import type { ReplyWait } from './reply-time.ts';
import type { OpeningDay } from './opening.ts';
import { supportedLang } from '../../knowledge-base/text/language.ts';

// Shared with the server and the console, which choose the same language for a stored locale.
export { langOf, supportedLang } from '../../knowledge-base/text/language.ts';

export type Lang = 'en' | 'zh';

const en = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  dismiss: 'Dismiss',
  chatTitle: 'Chat with us',
  unread: (n: number) => (n === 1 ? '1 unread message' : `${n} unread messages`),
  you: 'You',
  bot: 'Bot',
  agent: 'Agent',
  inputLabel: 'Your message',
  inputPlaceholder: 'Type your message…',
  send: 'Send',
  sending: 'Sending…',
  queued: 'Waiting for connection',
  sent: 'Sent',
  seen: 'Seen',
  failed: (reason: string) => `Not sent: ${reason}`,
  retry: 'Retry',
  remove: 'Remove',
  tooLong: (max: number) => `Your message is longer than ${max} characters: please shorten it to send it.`,
  /**
   * The server's refusals by code (its sentences are English). English keeps the server's own sentence for the rest
   * (it names what was wrong); Chinese has a word for each a shopper meets (a message, the rating card, the form).
   */
  refusals: {
    rate_limited: 'You are sending too fast; wait a moment.',
    internal: 'Something went wrong on our side; please try again.',
    too_large: 'That is too large to send.',
    conversation_resolved: 'This chat has ended. Retry to send it in a new chat.',
  } as Record<string, string>,
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting… your messages will be sent when the connection is back.',
  offline: 'You are offline. Messages you type are kept and sent when you are back online.',
  unreachable: 'The chat server cannot be reached right now. Retrying…',
  blocked: 'Chat is not available.',
  online: 'Connected',
  connectedAgain: 'Connected again',
  suggestedReplies: 'Suggested replies',
  typing: (name: string) => `${name} is typing…`,
  articles: 'Related articles',
  products: 'Products',
  helpfulQuestion: 'Was this helpful?',
  yes: 'Yes',
  no: 'No',
  helpfulThanks: 'Thanks for your feedback!',
  notHelpful: 'Sorry that did not help. A person can take a look:',
  queuePosition: (n: number) => (n === 1 ? 'You are next in the queue.' : `You are number ${n} in the queue.`),
  queueWait: 'A person will be with you shortly. You can keep this page open or come back later; your chat is kept.',
  queueWaitNoAgents: 'No one is online right now, so the wait may be long. You can leave a message instead.',
  waitingForAgent: 'Waiting for a person to join…',
  agentJoined: (name: string) => `${name} joined the chat.`,
  agentTransferred: (name: string) => `The chat was transferred to ${name}.`,
  agentLeft: (name: string) => `${name} ended the chat.`,
  agentReopened: (name: string) => `${name} reopened the chat.`,
  agentUnavailable: (name: string) => `${name} is no longer available. We're finding someone else to help you.`,
  agentNoReply: (name: string) => `${name} could not reply in time. We're finding someone else to help you.`,
  idleClosed: (hours: number) => `This chat was closed after ${hours} hours without messages. Write again any time.`,
  messageLeft: (email: string, text: string) => `Message left for the team (reply by email to ${email}): ${text}`,
  chatEnded: 'This conversation has ended. Send a message to start a new one.',
  newConversation: 'New conversation',
  offlineTitle: 'Leave us a message',
  leaveMessage: 'Leave a message',
  afterHours: 'We are outside our business hours right now.',
  opensAgain: (when: { day: OpeningDay; time: string }) =>
    `We open again ${when.day.kind === 'weekday' ? `on ${when.day.name}` : when.day.kind} at ${when.time}.`,
  name: 'Name',
  nameOptional: 'Name (optional)',
  email: 'Email',
  message: 'Message',
  submit: 'Send',
  cancel: 'Cancel',
  offlineSent: "Thanks! We received your message and will reply by email.",
  invalidEmail: 'Please enter a valid email address.',
  messageRequired: 'Please write a message.',
  prechatTitle: 'Before we start',
  prechatIntro: 'Tell us who you are so we can follow up if the chat is interrupted.',
  startChat: 'Start chat',
  skip: 'Skip',
  csatTitle: 'How did we do?',
  csatRating: (n: number) => `${n} out of 5`,
  /** What each rating means: the buttons' names ("4 out of 5, good") and, for 1 and 5, the words under the ends. */
  csatMeaning: ['very bad', 'bad', 'okay', 'good', 'very good'] as string[],
  csatRatingMeaning: (n: number, meaning: string) => `${n} out of 5, ${meaning}`,
  csatScaleLow: 'Very bad',
  csatScaleHigh: 'Very good',
  csatComment: 'Comment (optional)',
  csatSubmit: 'Send rating',
  csatThanks: 'Thank you for rating this conversation!',
  csatChooseRating: 'Please choose a rating from 1 to 5.',
  transcript: 'Download transcript',
  transcriptFailed: 'The transcript could not be downloaded. Please try again.',
  attachFile: 'Send a photo or PDF',
  privacyNote: 'We keep this chat to answer you.',
  replyTime: (wait: ReplyWait) => (wait.unit === 'under-minute' ? 'We usually reply in under a minute'
    : `We usually reply in about ${wait.count} ${wait.unit === 'minutes' ? 'min' : wait.count === 1 ? 'hour' : 'hours'}`),
  privacyLink: 'Privacy policy',
  sendingFile: (name: string) => `Sending ${name}…`,
  fileFailed: (reason: string) => `The file was not sent: ${reason}`,
  fileTooLarge: (mb: number | null) => (mb ? `The file is too large (the limit is ${mb} MB).` : 'The file is too large.'),
  fileOffline: 'there is no connection. Try again when you are back online.',
  fileStalled: 'the upload stopped moving (the connection may be too weak). Please try again.',
  outboxFull: 'Too many messages are waiting to be sent. Your text stays in the box: send it once you are back online.',
  fileNotAccepted: 'Only photos (JPEG, PNG, GIF, WebP) and PDF files can be sent.',
  talkToPerson: 'Talk to a person',
  error: 'Something went wrong. Please try again.',
  newMessageFrom: (name: string) => `New message from ${name}`,
};
export type Strings = typeof en;

const zh: Strings = {
  openChat: '打开聊天',
  closeChat: '关闭聊天',
  dismiss: '关闭提示',
  chatTitle: '在线咨询',
  unread: (n) => `${n} 条未读消息`,
  you: '我',
  bot: '机器人',
  agent: '客服',
  inputLabel: '您的消息',
  inputPlaceholder: '请输入消息…',
  send: '发送',
  sending: '发送中…',
  queued: '等待网络连接',
  sent: '已发送',
  seen: '已读',
  failed: (reason) => `未发送：${reason}`,
  retry: '重试',
  remove: '删除',
  tooLong: (max) => `消息超过 ${max} 个字符，请删减后再发送。`,
  refusals: {
    rate_limited: '发送太频繁了，请稍等片刻。',
    internal: '我们这边出了点问题，请重试。',
    too_large: '内容太大，无法发送。',
    conversation_resolved: '此对话已结束。点击重试可在新对话中发送。',
    conflict: '现在无法进行此操作。',
    validation: '内容有误，请检查后重试。',
    not_found: '找不到此对话。',
    forbidden: '聊天不可用。',
    blocked: '聊天不可用。',
  },
  connecting: '正在连接…',
  reconnecting: '正在重新连接…连接恢复后会自动发送您的消息。',
  offline: '您已离线。输入的消息会被保存，恢复联网后自动发送。',
  unreachable: '暂时无法连接到聊天服务器，正在重试…',
  blocked: '聊天不可用。',
  online: '已连接',
  connectedAgain: '已重新连接',
  suggestedReplies: '建议回复',
  typing: (name) => `${name} 正在输入…`,
  articles: '相关文章',
  products: '商品',
  helpfulQuestion: '这个回答有帮助吗？',
  yes: '有帮助',
  no: '没帮助',
  helpfulThanks: '感谢您的反馈！',
  notHelpful: '抱歉没能帮到您。可以请人工客服看看：',
  queuePosition: (n) => (n === 1 ? '下一位就是您。' : `您前面还有 ${n - 1} 位，当前排在第 ${n} 位。`),
  queueWait: '客服马上就来。您可以保持页面打开，或稍后回来，聊天记录会保留。',
  queueWaitNoAgents: '目前没有客服在线，可能需要较长时间。您也可以给我们留言。',
  waitingForAgent: '正在等待客服接入…',
  agentJoined: (name) => `${name} 已加入对话。`,
  agentTransferred: (name) => `对话已转接给 ${name}。`,
  agentLeft: (name) => `${name} 已结束本次对话。`,
  agentReopened: (name) => `${name} 重新打开了对话。`,
  agentUnavailable: (name) => `${name} 暂时无法回复，正在为您安排其他客服。`,
  agentNoReply: (name) => `${name} 未能及时回复，正在为您安排其他客服。`,
  idleClosed: (hours) => `对话已 ${hours} 小时没有新消息，已自动结束。您可以随时再发消息。`,
  messageLeft: (email, text) => `已给团队留言（我们会回复到 ${email}）：${text}`,
  chatEnded: '本次对话已结束。发送消息即可开始新的对话。',
  newConversation: '新对话',
  offlineTitle: '给我们留言',
  leaveMessage: '留言',
  afterHours: '现在不在我们的营业时间内。',
  opensAgain: (when: { day: OpeningDay; time: string }) =>
    `我们将于${when.day.kind === 'weekday' ? when.day.name : when.day.kind === 'today' ? '今天' : '明天'} ${when.time} 恢复服务。`,
  name: '姓名',
  nameOptional: '姓名（选填）',
  email: '邮箱',
  message: '留言内容',
  submit: '提交',
  cancel: '取消',
  offlineSent: '谢谢！我们已收到您的留言，会通过邮件回复您。',
  invalidEmail: '请输入有效的邮箱地址。',
  messageRequired: '请填写留言内容。',
  prechatTitle: '开始之前',
  prechatIntro: '留下您的联系方式，聊天中断时我们也能联系到您。',
  startChat: '开始聊天',
  skip: '跳过',
  csatTitle: '请为本次服务评分',
  csatRating: (n) => `${n} 分（满分 5 分）`,
  csatMeaning: ['非常不满意', '不满意', '一般', '满意', '非常满意'],
  csatRatingMeaning: (n, meaning) => `${n} 分（满分 5 分），${meaning}`,
  csatScaleLow: '非常不满意',
  csatScaleHigh: '非常满意',
  csatComment: '评价（选填）',
  csatSubmit: '提交评分',
  csatThanks: '感谢您的评价！',
  csatChooseRating: '请选择 1 到 5 分。',
  transcript: '下载聊天记录',
  transcriptFailed: '聊天记录下载失败，请重试。',
  attachFile: '发送图片或 PDF',
  privacyNote: '我们会保存此对话以便答复您。',
  replyTime: (wait: ReplyWait) => (wait.unit === 'under-minute' ? '我们通常在 1 分钟内回复'
    : `我们通常在约 ${wait.count} ${wait.unit === 'minutes' ? '分钟' : '小时'}内回复`),
  privacyLink: '隐私政策',
  sendingFile: (name: string) => `正在发送 ${name}…`,
  fileFailed: (reason: string) => `文件未发送：${reason}`,
  fileTooLarge: (mb) => (mb ? `文件太大（上限为 ${mb} MB）。` : '文件太大。'),
  fileOffline: '没有网络连接。恢复联网后请重试。',
  fileStalled: '上传停滞（网络可能太弱），请重试。',
  outboxFull: '等待发送的消息太多。您的文字仍保留在输入框中，恢复联网后再发送。',
  fileNotAccepted: '只能发送图片（JPEG、PNG、GIF、WebP）或 PDF 文件。',
  talkToPerson: '转人工',
  error: '出错了，请重试。',
  newMessageFrom: (name) => `来自 ${name} 的新消息`,
};

export const STRINGS: Record<Lang, Strings> = { en, zh };

/**
 * A system line ("Ada joined the chat.") in these words, from its event and parameters (stored in English, with the
 * event in the metadata); an event not known here, or one missing a parameter, keeps the stored text. Shared with the
 * server's shopper transcript (server/services/transcript.ts), so the download says what the widget said.
 */
export function systemLineText(t: Strings, text: string, metadata: Record<string, unknown>): string {
  const name = typeof metadata.agentName === 'string' ? metadata.agentName : t.agent;
  switch (metadata.event) {
    case 'agent_joined': return t.agentJoined(name);
    case 'agent_transferred': return t.agentTransferred(name);
    case 'agent_left': return t.agentLeft(name);
    case 'agent_reopened': return t.agentReopened(name);
    case 'agent_unavailable': return t.agentUnavailable(name);
    case 'agent_no_reply': return t.agentNoReply(name);
    // Shown to the shopper only when a person had answered them: that person handed the chat back (to the queue or a team).
    case 'agent_requeued': return t.agentUnavailable(typeof metadata.fromAgentName === 'string' ? metadata.fromAgentName : name);
    case 'idle_closed': return typeof metadata.idleHours === 'number' ? t.idleClosed(metadata.idleHours) : text;
    case 'offline_message':
      return typeof metadata.email === 'string' && typeof metadata.text === 'string' ? t.messageLeft(metadata.email, metadata.text) : text;
    default: return text;
  }
}

/**
 * Why the server refused, in the widget's language when the code says it all, else (in English) the server's own
 * sentence. A Chinese shopper never reads the server's English: a code without a word is the generic error.
 */
export function refusalText(t: Strings, error: { code?: string; message?: string } | undefined): string {
  const known = error?.code && Object.prototype.hasOwnProperty.call(t.refusals, error.code) ? t.refusals[error.code] : undefined;
  return known || (t === en && error?.message) || t.error;
}

export function pickLang(input: {
  embed?: string | null;
  shopSetting?: 'auto' | 'en' | 'zh';
  browser?: readonly string[];
  page?: string | null;
}): Lang {
  return (
    supportedLang(input.embed) ??
    (input.shopSetting && input.shopSetting !== 'auto' ? input.shopSetting : null) ??
    (input.browser ?? []).map(supportedLang).find((lang): lang is Lang => lang !== null) ??
    supportedLang(input.page) ??
    'en'
  );
}
