// Which of the two languages a text is written in. Kept apart from tokenize.ts (natural, jieba) so that the console
// can use it too: it picks the language of canned responses and article links from what the shopper writes.

export type Language = 'en' | 'zh';

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
