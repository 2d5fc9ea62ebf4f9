// Which of the two languages a text is written in. Kept apart from tokenize.ts (natural, jieba) so that the console
// can use it too: it picks the language of canned responses and article links from what the shopper writes.

export type Language = 'en' | 'zh';

/** Maps a BCP 47 tag (a browser's, a stored locale) to one of the two languages, or null for any other. */
export function supportedLang(tag: string | null | undefined): Language | null {
  const lower = (tag ?? '').trim().toLowerCase();
  if (lower.startsWith('zh')) return 'zh';
  if (lower.startsWith('en')) return 'en';
  return null;
}

/** The language to write in for a stored locale or tag: Chinese for any Chinese tag, else English. */
export function langOf(tag: string | null | undefined): Language {
  return supportedLang(tag) === 'zh' ? 'zh' : 'en';
}

/**
 * The Chinese a BCP 47 tag asks for, or null when it is not Chinese: zh-TW or zh-HK (Traditional, as written in Taiwan
 * or in Hong Kong and Macau; Traditional without a region is Taiwan's), else zh-CN (Simplified). "zh_TW" as some
 * systems write it; Cantonese (yue) as written in Hong Kong. Shared by the widget (its language tag) and the server
 * (which script the bot answers in).
 */
export function chineseVariant(tag: string | null | undefined): 'zh-TW' | 'zh-HK' | 'zh-CN' | null {
  const lower = (tag ?? '').trim().toLowerCase().replace(/_/g, '-').replace(/^yue(-|$)/, 'zh-hk$1');
  if (lower !== 'zh' && !lower.startsWith('zh-')) return null;
  const parts = lower.split('-');
  if (parts.includes('hans')) return 'zh-CN';
  if (parts.includes('hk') || parts.includes('mo')) return 'zh-HK';
  if (parts.includes('tw') || parts.includes('hant')) return 'zh-TW';
  return 'zh-CN';
}

// CJK Unified Ideographs (+ extension A and compatibility ideographs).
export const CJK_CHAR = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

/** 'zh' when at least a quarter of the letters are CJK ideographs (Chinese text often carries English brand names). */
export function detectLanguage(text: string): Language {
  let cjk = 0;
  let letters = 0;
  for (const ch of text) {
    if (CJK_CHAR.test(ch)) {
      cjk++;
      letters++;
    } else if (/\p{L}/u.test(ch)) {
      letters++;
    }
  }
  // Latin letters are ~4x denser per word than ideographs, so weigh CJK up.
  return cjk > 0 && cjk * 4 >= letters - cjk ? 'zh' : 'en';
}
