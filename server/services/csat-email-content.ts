// What "How did we do?" says, by email and on the page its links open (server/http/csat-email-routes.ts): in the
// shopper's language, English or Simplified Chinese, and Traditional for a reader in Taiwan or Hong Kong (the
// Simplified words converted, chinese-script.ts, as the follow-up emails do). The scale's words are the widget's own
// (widget/src/i18n.ts), so a rating means the same whether given in the chat or from an email.
import { STRINGS } from '../../widget/src/i18n.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { traditionalConverter, traditionalVariant } from './chinese-script.ts';
import { escapeHtml, zhJoin } from './email-followup-content.ts';

const WORDS = {
  en: {
    htmlLang: 'en',
    colon: ': ',
    subject: (shop: string) => `How did we do? Rate your chat with ${shop}`,
    intro: (shop: string) => `Your chat with ${shop} has ended. How did we do? Choose a rating:`,
    laterComment: 'You can add a comment on the next page.',
    footer: (shop: string) => `You get this email because you chatted with ${shop} and left your email address.`,
    footerAccount: (shop: string) => `You get this email because you chatted with ${shop} while signed in to your account.`,
    unsubscribe: 'Stop emails about your chats',
    // The page
    pageTitle: (shop: string) => `Rate your chat with ${shop}`,
    alreadyRated: (n: number) => `You rated this chat ${n} out of 5. You can change your rating: the new one replaces it.`,
    yourRating: 'Your rating',
    thanksRated: (n: number) => `Your rating: ${n} out of 5.`,
    invalidTitle: 'Link not valid',
    invalid: 'This rating link is not valid. Use the link from the email you received.',
    expiredTitle: 'Link expired',
    expired: 'This rating link has expired. Thank you all the same.',
    goneTitle: 'This chat can no longer be rated',
    gone: 'This chat is no longer available for rating.',
    reopenedTitle: 'This chat was reopened',
    reopened: 'You can rate it in the chat once it has ended.',
    notAskedTitle: 'Ratings are turned off',
    notAsked: 'This shop no longer asks for ratings of its chats.',
    blockedTitle: 'Rating not available',
    blocked: 'This chat cannot be rated.',
    commentTooLong: 'Your comment is too long: please keep it under 2000 characters.',
  },
  zh: {
    htmlLang: 'zh-CN',
    colon: '：',
    subject: (shop: string) => zhJoin('请为您与', shop, '的聊天评分'),
    intro: (shop: string) => zhJoin('您与', shop, '的聊天已结束。您对我们的服务满意吗？请选择评分：'),
    laterComment: '您可以在下一页填写评价。',
    footer: (shop: string) => zhJoin('您收到此邮件，是因为您曾与', shop, '聊天并留下了邮箱地址。'),
    footerAccount: (shop: string) => zhJoin('您收到此邮件，是因为您曾在登录账户后与', shop, '聊天。'),
    unsubscribe: '不再接收聊天相关邮件',
    pageTitle: (shop: string) => zhJoin('为您与', shop, '的聊天评分'),
    alreadyRated: (n: number) => `您已为本次聊天评了 ${n} 分（满分 5 分）。您可以修改评分，新的评分会替换之前的。`,
    yourRating: '您的评分',
    thanksRated: (n: number) => `您的评分：${n} 分（满分 5 分）。`,
    invalidTitle: '链接无效',
    invalid: '此评分链接无效。请使用您收到的邮件中的链接。',
    expiredTitle: '链接已过期',
    expired: '此评分链接已过期。仍然感谢您！',
    goneTitle: '此聊天已无法评分',
    gone: '此聊天已无法评分。',
    reopenedTitle: '此聊天已重新开启',
    reopened: '聊天结束后，您可以在聊天中评分。',
    notAskedTitle: '评分已关闭',
    notAsked: '本店已不再邀请您为聊天评分。',
    blockedTitle: '无法评分',
    blocked: '此聊天无法评分。',
    commentTooLong: '您的评价太长了，请控制在 2000 字以内。',
  },
};

/** The widget's rating words this module uses (the scale's meanings, the comment box, the button, the thanks). */
const scaleWords = (lang: 'en' | 'zh') => {
  const t = STRINGS[lang];
  return {
    csatTitle: t.csatTitle,
    csatMeaning: t.csatMeaning,
    ratingMeaning: t.csatRatingMeaning,
    csatComment: t.csatComment,
    csatSubmit: t.csatSubmit,
    csatThanks: t.csatThanks,
    csatChooseRating: t.csatChooseRating,
  };
};

export type CsatWords = typeof WORDS.en & ReturnType<typeof scaleWords>;

/** The words for a reader with this locale (a stored customer locale or a browser's tag); Traditional for zh-TW / zh-HK. */
export async function csatWords(locale: string | null | undefined): Promise<CsatWords> {
  const lang = langOf(locale);
  const simplified: CsatWords = { ...WORDS[lang], ...scaleWords(lang) };
  const variant = lang === 'zh' ? traditionalVariant(locale) : null;
  if (!variant) return simplified;
  const convert = await traditionalConverter(variant);
  // convertedDictionary walks objects, and would hand the scale's list back as an object keyed '0'…'4'.
  return { ...convertedDictionary(simplified, convert), csatMeaning: simplified.csatMeaning.map(convert), htmlLang: variant };
}

export interface CsatEmailContent {
  shopName: string;
  /** The page of each score, 1 to 5 (signed links: csat-email-link.ts). */
  rateUrl(score: number): string;
  unsubscribeUrl: string;
  /** The shop identified the shopper (their address came with their account). */
  identified: boolean;
}

const SCORES = [1, 2, 3, 4, 5];

/** The email: plain text and simple HTML, five links from 1 to 5 with what each means, and the way out. */
export function csatEmail(w: CsatWords, content: CsatEmailContent): { subject: string; text: string; html: string } {
  const shop = content.shopName;
  const label = (n: number) => w.ratingMeaning(n, w.csatMeaning[n - 1]);
  const footer = (content.identified ? w.footerAccount : w.footer)(shop);
  const text = [
    w.intro(shop), '',
    ...SCORES.map((n) => `  ${label(n)}${w.colon}${content.rateUrl(n)}`), '',
    w.laterComment, '', '--', footer, `${w.unsubscribe}${w.colon}${content.unsubscribeUrl}`,
  ].join('\n');
  const buttons = SCORES.map((n) =>
    `<a href="${escapeHtml(content.rateUrl(n))}" style="display:inline-block;margin:0 .25rem .5rem 0;padding:.5rem .8rem;border:1px solid #888;border-radius:6px;color:#111;text-decoration:none">${escapeHtml(label(n))}</a>`).join('\n');
  const html = `<!doctype html><html lang="${w.htmlLang}"><body style="font-family:sans-serif;line-height:1.5">
<p>${escapeHtml(w.intro(shop))}</p>
<p>${buttons}</p>
<p>${escapeHtml(w.laterComment)}</p>
<hr><p style="color:#666;font-size:12px">${escapeHtml(footer)} <a href="${escapeHtml(content.unsubscribeUrl)}">${escapeHtml(w.unsubscribe)}</a></p>
</body></html>`;
  return { subject: w.subject(shop), text, html };
}
