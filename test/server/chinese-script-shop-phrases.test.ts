// The shop's words as a Traditional reader sees them (server/services/chinese-script.ts): OpenCC's conversion made
// a card's issuer (发卡银行) a "hairpin bank" (髮卡銀行) in both variants, and for Taiwan turned closing an account
// (注销账号) into logging out of it (登出帳號). Checked over every Chinese demo article — as the bot quotes it and as
// the help centre renders it, through the same converter — and every intent's Chinese answer. Also which locale a
// reply is written in when the shopper types Traditional under another locale (replyLocale).
import { describe, expect, it } from 'vitest';
import { htmlInScript, inShoppersScript, replyLocale, type TraditionalVariant } from '../../server/services/chinese-script.ts';
import { loadArticles, loadIntents } from '../../knowledge-base/content-loader.ts';
import { renderMarkdown } from '../../knowledge-base/markdown.ts';
import { nestHeadings } from '../../knowledge-base/help-center.ts';

const VARIANTS: TraditionalVariant[] = ['zh-TW', 'zh-HK'];
const articles = loadArticles().filter((article) => article.locale === 'zh');
// What an intent says: its answer (most intents answer with their article instead) and its label, the quick reply's.
const answers = loadIntents().flatMap((intent) => [
  ...(intent.answer?.zh ? [{ name: `${intent.name} answer`, text: intent.answer.zh }] : []),
  ...(intent.label?.zh ? [{ name: `${intent.name} label`, text: intent.label.zh }] : []),
]);

/** Every Chinese text a Traditional reader can be shown from the demo content, converted, by where it comes from. */
async function convertedContent(variant: TraditionalVariant): Promise<Map<string, string>> {
  const shown = new Map<string, string>();
  for (const article of articles) {
    shown.set(`article ${article.slug}`, await inShoppersScript(`${article.title}\n${article.body}`, variant));
    // The help centre's page converts the rendered HTML's text, between tags (help-routes.ts, htmlInScript).
    shown.set(`page ${article.slug}`, await htmlInScript(`<h1>${article.title}</h1>${nestHeadings(renderMarkdown(article.body))}`, variant));
  }
  for (const answer of answers) shown.set(`intent ${answer.name}`, await inShoppersScript(answer.text, variant));
  return shown;
}

describe("the demo content in Traditional keeps the shop's meaning", () => {
  it('has the articles and answers the check is about', () => {
    expect(articles.length).toBeGreaterThan(10);
    expect(answers.filter((answer) => answer.name.endsWith(' answer')).length).toBeGreaterThan(1);
    expect(answers.length).toBeGreaterThan(10);
    const written = articles.map((article) => article.body).join('\n');
    expect(written).toContain('发卡银行');
    expect(written).toContain('注销账号');
  });

  for (const variant of VARIANTS) {
    it(`${variant}: no hairpin banks, no "log out of your account" anywhere`, async () => {
      const shown = await convertedContent(variant);
      const wrong = [...shown].filter(([, text]) => /髮卡|登出帳號|登出賬號|登出我的|\d\s?天后/.test(text)).map(([where]) => where);
      expect(wrong).toEqual([]);
    });
  }

  it('names the card issuer 發卡 in both variants', async () => {
    for (const variant of VARIANTS) {
      const shown = await convertedContent(variant);
      expect(shown.get('article refund-timing')).toContain('發卡銀行');
      expect(shown.get('article refund-timing')).toContain('發卡機構');
      expect(shown.get('article payment-methods')).toContain('發卡行');
      expect(shown.get('page refund-timing')).toContain('發卡銀行');
    }
  });

  it('closes an account in Taiwan as Taiwan writes it, and in Hong Kong as written', async () => {
    const taiwan = (await convertedContent('zh-TW')).get('article delete-account-privacy')!;
    expect(taiwan.split('\n')[0]).toBe('刪除帳號與個人資料');
    expect(taiwan).toContain('如何刪除帳號');
    expect(taiwan).toContain('提交註銷申請');
    expect(taiwan).not.toContain('登出');
    const hongKong = (await convertedContent('zh-HK')).get('article delete-account-privacy')!;
    expect(hongKong.split('\n')[0]).toBe('註銷賬號與個人數據');
    expect(hongKong).not.toContain('登出');
  });

  it('writes "after N days" as 天後, not the goddess 天后, after a number as after a numeral', async () => {
    for (const variant of VARIANTS) {
      expect(await inShoppersScript('30 天后永久删除；7天后到账；七天后；天后宫', variant)).toMatch(/^30 天後永久刪除；7天後(?:入帳|到賬)；七天後；天后宮$/);
    }
  });

  it('leaves the phrases around them as OpenCC reads them', async () => {
    // Hair is still hair: a listed issuer phrase does not reach into 头发, and 发卡 alone is the hair clip.
    expect(await inShoppersScript('头发卡住了；珍珠发卡；请联系发卡银行', 'zh-TW')).toBe('頭髮卡住了；珍珠髮卡；請聯絡發卡銀行');
    expect(await inShoppersScript('卡已注销', 'zh-TW')).toBe('卡已註銷');
    expect(await inShoppersScript('请登录账号', 'zh-TW')).toBe('請登入帳號');
  });
});

describe('the locale a reply is written in', () => {
  it('answers a message typed in Traditional in Traditional under a locale that is not', () => {
    for (const locale of ['en', 'en-US', 'fr', 'zh', null, undefined]) expect(replyLocale('寄到台灣要多久', locale)).toBe('zh-TW');
    // Written Cantonese asks for Hong Kong's.
    expect(replyLocale('我嘅訂單幾時寄到？', 'en')).toBe('zh-HK');
    expect(replyLocale('點解仲未收到貨，冇人理', 'zh')).toBe('zh-HK');
  });

  it('keeps a locale that names its Chinese, whatever the message', () => {
    expect(replyLocale('寄到台灣要多久', 'zh-HK')).toBe('zh-HK');
    expect(replyLocale('寄到台灣要多久', 'zh-CN')).toBe('zh-CN');
    expect(replyLocale('寄到台灣要多久', 'zh-Hans')).toBe('zh-Hans');
    expect(replyLocale('我嘅訂單幾時寄到？', 'zh-TW')).toBe('zh-TW');
    expect(replyLocale('寄到台湾要多久', 'zh-TW')).toBe('zh-TW');
  });

  it('keeps the locale for Simplified, English, and Cantonese typed in Simplified', () => {
    expect(replyLocale('寄到台湾要多久', 'zh')).toBe('zh');
    expect(replyLocale('How long to Taiwan?', 'en')).toBe('en');
    expect(replyLocale('我嘅订单几时寄到？', 'zh')).toBe('zh');
    expect(replyLocale('', null)).toBe(null);
  });

  it('reads none of the Simplified demo content as Traditional', () => {
    const simplified = [...articles.map((article) => `${article.title}\n${article.body}`), ...answers.map((answer) => answer.text)];
    expect(simplified.filter((text) => replyLocale(text, 'zh') !== 'zh')).toEqual([]);
  });
});
