// Three more of Taiwan's words (server/services/chinese-script.ts): a macro is 巨集, submitting a form 送出, marketing
// 行銷 — in Taiwan's conversion only, and not where the characters mean something else (宏觀, 宏碁, 提交申請).
import { describe, expect, it } from 'vitest';
import { inShoppersScript } from '../../server/services/chinese-script.ts';
import { TRADITIONAL_TABLES } from '../../console/src/traditional-table.ts';
import { TRADITIONAL_TABLES as WIDGET_TABLES } from '../../widget/src/traditional-table.ts';
import { compactTableConverter } from '../../knowledge-base/text/longest-match.ts';

const taiwan = (text: string) => inShoppersScript(text, 'zh-TW');
const hongKong = (text: string) => inShoppersScript(text, 'zh-HK');
const allOf = (texts: string[], convert: (text: string) => Promise<string>) => Promise.all(texts.map(convert));

describe("Taiwan's 巨集, 送出 and 行銷", () => {
  it('are written for a macro, a form sent and marketing', async () => {
    expect(await allOf(['宏', '团队宏', '运行宏“{name}”', '该宏仍在运行中', '宏病毒'], taiwan))
      .toEqual(['巨集', '團隊巨集', '執行巨集「{name}」', '該巨集仍在執行中', '巨集病毒']);
    expect(await allOf(['提交', '已提交', '提交评分', '点击“提交”', '提交订单'], taiwan)).toEqual(['送出', '已送出', '送出評分', '點選「送出」', '送出訂單']);
    expect(await allOf(['营销邮件', '订阅营销电子邮件', '营销活动'], taiwan)).toEqual(['行銷郵件', '訂閱行銷電子郵件', '行銷活動']);
  });

  it('leave the words where the characters mean something else', async () => {
    expect(await allOf(['宏观经济', '宏大的场面', '宏伟', '恢宏', '宏碁笔记本', '宏达电手机'], taiwan))
      .toEqual(['宏觀經濟', '宏大的場面', '宏偉', '恢宏', '宏碁筆記本', '宏達電手機']);
    expect(await allOf(['提交申请', '提交注销申请', '提交仲裁'], taiwan)).toEqual(['提交申請', '提交註銷申請', '提交仲裁']);
  });

  it('are Taiwan\'s only: Hong Kong keeps 宏, 提交 and 營銷', async () => {
    expect(await hongKong('团队宏；提交；营销邮件')).toBe('團隊宏；提交；營銷郵件');
  });

  it("reach the console's and the widget's tables", () => {
    expect(compactTableConverter(TRADITIONAL_TABLES['zh-TW'])('该宏仍在运行中')).toBe('該巨集仍在執行中');
    expect(compactTableConverter(TRADITIONAL_TABLES['zh-HK'])('该宏仍在运行中')).toBe('該宏仍在運行中');
    expect(compactTableConverter(WIDGET_TABLES['zh-TW'])('提交')).toBe('送出');
    expect(compactTableConverter(WIDGET_TABLES['zh-TW'])('提交评分')).toBe('送出評分');
  });
});

describe('a size chart', () => {
  it('is a table (表), not a stopwatch (錶), in Taiwan and Hong Kong; a stopwatch and a watch stay 錶', async () => {
    const texts = ['鞋码换算表（鞋子的尺码表）', '这是衣服（上衣和外套）的尺码表。', '订单号码表', '秒表和手表'];
    const expected = ['鞋碼換算表（鞋子的尺碼表）', '這是衣服（上衣和外套）的尺碼表。', '訂單號碼表', '秒錶和手錶'];
    expect(await allOf(texts, taiwan)).toEqual(expected);
    expect(await allOf(texts, hongKong)).toEqual(expected);
  });
});
