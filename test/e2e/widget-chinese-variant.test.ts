// Which Chinese the widget tags its Chinese with (langTag in widget/src/dom.ts), without a browser: the first Chinese
// among the browser's languages decides, else the page's lang; Taiwan and Traditional without a region are zh-TW,
// Hong Kong and Macau zh-HK, everything else (Simplified, Singapore, plain zh, no Chinese at all) zh-CN.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { langTag } from '../../widget/src/dom.ts';

function browser(languages: string[], pageLang = ''): void {
  vi.stubGlobal('navigator', { languages, language: languages[0] ?? '' });
  vi.stubGlobal('document', { documentElement: { lang: pageLang } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Chinese variant of the widget\'s language tags', () => {
  it('follows the first Chinese among the browser languages', () => {
    const cases: [string[], string][] = [
      [['zh-TW'], 'zh-TW'],
      [['zh-tw', 'en'], 'zh-TW'],
      [['zh_TW'], 'zh-TW'],
      [['yue-HK', 'en'], 'zh-HK'],
      [['zh-Hant'], 'zh-TW'],
      [['zh-Hant-TW'], 'zh-TW'],
      [['zh-HK'], 'zh-HK'],
      [['zh-Hant-HK'], 'zh-HK'],
      [['zh-MO'], 'zh-HK'],
      [['en-US', 'zh-TW'], 'zh-TW'],
      [['zh-CN', 'zh-TW'], 'zh-CN'],
      [['zh-Hans-HK'], 'zh-CN'],
      [['zh-SG'], 'zh-CN'],
      [['zh'], 'zh-CN'],
      [['en-US'], 'zh-CN'],
    ];
    for (const [languages, tag] of cases) {
      browser(languages);
      expect(langTag('zh'), languages.join(',')).toBe(tag);
      expect(langTag('en')).toBe('en');
    }
  });

  it("falls back to the page's lang when the browser names no Chinese", () => {
    browser(['en-GB'], 'zh-Hant-TW');
    expect(langTag('zh')).toBe('zh-TW');
    browser(['zh-CN'], 'zh-TW');
    expect(langTag('zh')).toBe('zh-CN');
  });
});
