// Traditional Chinese characters a shopper may type, read as their simplified forms (the articles, intents and
// product pages are written in simplified Chinese). A one-to-one character table of common shop words, not a full
// converter: a character not listed is kept as typed.
const PAIRS =
  '貨货運运費费嗎吗請请問问單单後后記记碼码麼么辦办錢钱換换號号訂订購购買买賣卖幾几時时間间會会個个們们這这' +
  '還还沒没發发達达價价優优禮礼帳账戶户錄录註注銷销聯联繫系係系電电話话郵邮網网務务員员質质壞坏損损錯错誤误' +
  '關关稅税國国際际內内區区灣湾臺台樣样顏颜藍蓝綠绿紅红銀银雙双長长寬宽適适試试錶表鐘钟機机聽听無无線线寶宝' +
  '帶带飛飞護护維维證证據据憑凭條条處处現现庫库補补齊齐實实應应該该為为說说讓让給给從从來来見见覺觉題题與与' +
  '對对專专門门頁页滿满減减數数額额將将開开閉闭點点擊击選选擇择寫写舊旧當当週周歲岁體体腳脚輕轻傘伞濕湿滌涤' +
  '縮缩熱热氣气溫温過过計计劃划輸输遞递謝谢歡欢種种類类別别標标準准確确認认簽签驗验檢检詢询狀状態态況况變变' +
  '刪删隱隐資资訊讯統统頭头兒儿邊边裡里裏里鬆松緊紧貴贵誰谁幫帮級级參参紙纸裝装櫃柜場场產产設设備备離离' +
  '萬万隨随動动車车軟软顯显觸触鏈链鎖锁學学書书讀读筆笔腦脑顧顾導导規规範范圍围彈弹擔担慮虑稱称舉举贈赠' +
  '積积兌兑獎奖賠赔償偿責责營营廣广啟启遲迟轉转匯汇貸贷繳缴納纳紀纪簡简語语譯译測测調调棄弃絕绝評评論论' +
  '貼贴復复複复髒脏汙污漬渍斷断傷伤歸归屬属異异權权剛刚纔才鬧闹罰罚廠厂業业億亿壓压螢荧擋挡鑰钥習习師师' +
  '則则麗丽漲涨憂忧懶懒獲获領领罷罢區区盡尽範范奧奥澳澳紐纽倫伦亞亚歐欧馬马韓韩衛卫層层夾夹襪袜褲裤鏡镜' +
  '錶表鬧闹補补換换碼码';

const TABLE = new Map<string, string>();
for (let i = 0; i + 1 < PAIRS.length; i += 2) if (PAIRS[i] !== PAIRS[i + 1]) TABLE.set(PAIRS[i], PAIRS[i + 1]);
const TRADITIONAL = new RegExp(`[${[...TABLE.keys()].join('')}]`, 'gu');

/** The text with the traditional characters of the table written in their simplified forms ("退貨要運費嗎" → "退货要运费吗"). */
export function toSimplified(text: string): string {
  return text.replace(TRADITIONAL, (c) => TABLE.get(c) ?? c);
}
