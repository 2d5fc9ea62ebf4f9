// Taiwan's wording where OpenCC's conversion read as the mainland's or said something else (a Chinese-UI review,
// 2026-12-07; server/services/chinese-script.ts): a reply written 回復 (to recover), "by email" as 通過 (passed), an
// agent "online" as an adjective (沒有客服線上), mainland words (質量, 二維碼, 數碼, 反饋, 當前, 令牌, 渠道, 文本…) and
// “” where Taiwan writes 「」. Each with the sense next to it that must stay (審核通過, 線上客服, 管理後臺…).
import { describe, expect, it } from 'vitest';
import { cornerQuotes, htmlInScript, inShoppersScript } from '../../server/services/chinese-script.ts';
import { DEFAULT_WIDGET_SETTINGS } from '../../server/services/widget-settings.ts';
import { toSimplified } from '../../knowledge-base/text/traditional.ts';

const taiwan = (text: string) => inShoppersScript(text, 'zh-TW');
const hongKong = (text: string) => inShoppersScript(text, 'zh-HK');

describe('回复 is a reply, 回覆, in both variants', () => {
  it('after a phrase of OpenCC\'s that ends in 回 (请回, 没回, 会尽 + 快回) as well', async () => {
    expect(await taiwan(DEFAULT_WIDGET_SETTINGS.offlineMessage.zh)).toBe('目前沒有客服在線上。請留下您的信箱和留言，我們會盡快回覆您。');
    for (const convert of [taiwan, hongKong]) {
      expect(await convert('我们会尽快回复您')).toBe('我們會盡快回覆您');
      expect(await convert('请回复；还没回复；先回复再说')).toMatch(/^請回覆；還沒回覆；先回覆再[說説]$/);
    }
  });

  it('keeps OpenCC\'s other readings: 恢复, 回复青春, and 复杂 after 这回', async () => {
    expect(await taiwan('恢复出厂设置')).toBe('恢復出廠設定');
    expect(await taiwan('回复青春')).toBe('回復青春');
    expect(await taiwan('这回复杂了')).toBe('這回複雜了');
  });
});

describe("Taiwan's words", () => {
  it('通过 "by means of" is 透過; passing a review stays 通過', async () => {
    expect(await taiwan('通过邮件回复您；通过电子邮件发送；通过快递寄出；通过以下方式联系；通过短信')).toBe(
      '透過郵件回覆您；透過電子郵件傳送；透過快遞寄出；透過以下方式聯絡；透過簡訊');
    expect(await taiwan('请通过在线客服联系我们')).toBe('請透過線上客服聯絡我們');
    expect(await taiwan('审核通过；保修申请通过后；退款申请通过了')).toBe('審核通過；保固申請通過後；退款申請通過了');
    expect(await hongKong('通过邮件回复您')).toBe('通過郵件回覆您');
  });

  it('someone online is 在線上; online as an adjective stays 線上', async () => {
    expect(await taiwan('顾客不在线；目前没有客服在线；有人在线吗？无人在线时；24 小时在线；客服什么时候在线')).toBe(
      '顧客不在線上；目前沒有客服在線上；有人在線上嗎？無人在線上時；24 小時在線上；客服什麼時候在線上');
    expect(await taiwan('在线客服；在线支付；请转给在线的同事；真人在线客服；客服在线时间')).toBe(
      '線上客服；線上支付；請轉給線上的同事；真人線上客服；客服線上時間');
    expect(await taiwan('客服不在线上')).toBe('客服不在線上'); // written so already: not 在線上上
    expect(await taiwan('多人在线游戏；个人在线购物')).toBe('多人線上遊戲；個人線上購物');
    expect(await hongKong('目前没有客服在线')).toBe('目前沒有客服在線');
  });

  it('writes the mainland\'s words as Taiwan does', async () => {
    const cases: Array<[string, string]> = [
      ['商品有质量问题', '商品有品質問題'], ['扫描二维码', '掃描 QR 碼'], ['二维码由店员打印', 'QR 碼由店員列印'],
      ['退出登录', '登出'], ['数码产品', '數位產品'], ['数码相机', '數位相機'], ['恢复联网后自动发送', '恢復連線後自動傳送'],
      ['感谢您的反馈！', '感謝您的回饋！'], ['请在 7 天内反馈', '請在 7 天內反映'],
      ['当前密码', '目前密碼'], ['您没有权限执行此操作', '您沒有權限執行此操作'], ['许可权', '權限'],
      ['创建 API 令牌', '建立 API 權杖'], ['记入审计日志', '記入稽核紀錄'], ['来源渠道', '來源管道'],
      ['正在后台重新训练', '正在背景重新訓練'], ['后台运行', '背景執行'],
      ['用回答文本或文章回复', '用回答文字或文章回覆'], ['文本框', '文字方塊'],
      ['请输入身份验证器应用显示的 6 位验证码', '請輸入身份驗證器應用程式顯示的 6 位驗證碼'], ['使用应用中的验证码', '使用應用程式中的驗證碼'],
      ['酸奶、方便面和土豆', '優格、泡麵和馬鈴薯'],
    ];
    const converted = await Promise.all(cases.map(([simplified]) => taiwan(simplified)));
    expect(converted).toEqual(cases.map(([, expected]) => expected));
  });

  it('keeps the senses next to them', async () => {
    const kept: Array<[string, string]> = [
      ['管理后台', '管理後臺'], ['互联网', '網際網路'], ['物联网', '物聯網'], ['应当前往门店', '應當前往門市'],
      ['大敌当前', '大敵當前'], ['中文本地化', '中文本地化'], ['应用', '應用'], ['身份验证器应用程序', '身份驗證器應用程式'],
      ['审核', '審核'],
      // 多数 + 码数 (sizes), 当 ending a verb or before 前一 (the previous one), 论文 + 本身, an exercise book.
      ['大多数码数偏小', '大多數碼數偏小'], ['少数码数', '少數碼數'], ['半数码数', '半數碼數'],
      ['当前一个包裹送达后', '當前一個包裹送達後'], ['充当前台', '充當前臺'], ['担当前锋', '擔當前鋒'],
      ['论文本身', '論文本身'], ['原文本身', '原文本身'], ['作文本', '作文本'], ['日文本', '日文本'],
      ['通过网站审核', '通過網站審核'],
    ];
    const converted = await Promise.all(kept.map(([simplified]) => taiwan(simplified)));
    expect(converted).toEqual(kept.map(([, expected]) => expected));
  });

  it('leaves Hong Kong\'s words to Hong Kong', async () => {
    expect(await hongKong('质量、二维码、数码、当前、令牌、渠道、文本、酸奶')).toBe('質量、二維碼、數碼、當前、令牌、渠道、文本、酸奶');
  });
});

describe("Taiwan's quotation marks", () => {
  it('are 「」 around Chinese and around Latin words in a Chinese sentence; English keeps its own', async () => {
    expect(await taiwan('在“我的订单”里点击“Save”按钮')).toBe('在「我的訂單」裡點選「Save」按鈕');
    expect(await taiwan('“Cookie 设置”链接')).toBe('「Cookie 設定」連結');
    expect(await taiwan('商品 “Classic” Tee 已发货')).toBe('商品 “Classic” Tee 已發貨');
    expect(cornerQuotes('He said “hello”.')).toBe('He said “hello”.');
    expect(await hongKong('在“我的订单”里')).toBe('在“我的訂單”裏');
  });

  it('are 「」 when a tag or a filled-in name stands between the pair', async () => {
    expect(await htmlInScript('<p>点击“<strong>提交</strong>”按钮</p>', 'zh-TW')).toBe('<p>點選「<strong>送出</strong>」按鈕</p>');
    expect(cornerQuotes('宏“')).toBe('宏「');
    expect(cornerQuotes('”已完成')).toBe('」已完成');
  });
});

describe("Taiwan's words typed back", () => {
  it('are read as the mainland words the content is written in (knowledge-base/text/traditional.ts)', () => {
    expect(toSimplified('客服在線上嗎？')).toBe('客服在线吗？'); // not 在 + 線上 (在在线)
    expect(toSimplified('回覆我；數位產品；優格和泡麵')).toBe('回复我；数码产品；酸奶和方便面');
  });
});
