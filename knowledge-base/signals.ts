// Signals read from one shopper message: an explicit request for a person
// (English and Chinese), strongly negative sentiment (natural's AFINN analyser
// for English, a small lexicon of our own for Chinese), a leading greeting, and the question at the end of a story.
import natural from 'natural';
import { MAX_STEMMED_CHARS, tokenize } from './text/tokenize.ts';
import { isQuestionWord } from './text/question-words.ts';

const PERSON_EN = [
  /\b(talk|speak|chat|connect|transfer|put)\b.{0,30}\b(human|person|people|agent|representative|rep|operator|someone|somebody|staff|manager|supervisor)\b/i,
  /\b(real|live|actual)\s+(human|person|agent|people)\b/i,
  /\b(human|agent|operator|representative)\s*(please|pls|now)?\s*[.!?]*$/i,
  /^\s*(a\s+)?(human|person|agent|operator|representative)\b/i,
  /\bcustomer (service|support) (rep|representative|agent)\b/i,
  // Wanting one, anywhere in the message ("I need a human, my order arrived broken"). Not "a person" ("need a person to
  // sign for it") and not "have an agent" ("do you have an agent in Canada").
  /\b(?:need|want|get)\s+(?:an?\s+)?(?:real\s+|live\s+)?(?:human|agent|representative|operator)\b/i,
  /\bnot (a|the) (bot|robot|machine)\b/i,
  /\bstop (the )?bot\b/i,
];
// Asking for someone without saying "person": the shop's colleagues ("可以请你们的同事帮我看一下吗"), someone who knows the
// trade ("找个懂行的人跟我聊聊"), someone assigned to it (专人; not 专人配送, a delivery by courier). Only "your" colleagues:
// "我同事推荐的" is the shopper's.
const PERSON_ZH = /人工|真人|活人|转客服|找客服|客服人员|客服小姐|客服妹|客服专员|工作人员|接线员|不要机器人|别用机器人|机器人太笨|(?:你们|贵司|贵店)的?同事|懂行的人|专人(?!配送|派送|送)/;

// When the shop's people work: a question about their hours or days, or about a later time ("人工客服几点上班",
// "what hours are your agents available", "when are agents online?", "can I speak to someone tomorrow morning?").
// "When" counts only with a word about being there or reachable ("when is my refund coming" is another question),
// and time words that only tell a story ("I've waited 3 hours", "all morning") do not count at all.
const HOURS_EN = /\b(?:what|which) (?:time|hours|days)\b|\b(?:opening|business|working|office) hours\b|\btomorrow\b|\b(?:on|at|over) (?:the )?weekends?\b|\bwhen (?:are|is|do|does|will|can|could)\b[^.?!,;]*\b(?:available|work|working|open|online|around|in|start|back|there|reach|call|talk|speak|chat)\b/i;
const HOURS_ZH = /几点|什么时候(?:上班|下班|在|有|开|能|可以|营业|回)|哪天|上班|下班|营业|服务时间|工作时间|在线时间|周末|明天|节假日/;
// …unless the shopper wants a person now, whatever else they ask ("转人工，退款什么时候能到", "connect me to an agent,
// when do you open?").
const PERSON_NOW_EN = /\b(?:connect|transfer|put) me\b|\b(?:get|give|find) me\b|\bi (?:want|need|demand|'d like|would like) (?:to (?:talk|speak|chat)|an? (?:human|person|agent|real|live)|someone|somebody)\b|\bnow\b|\basap\b/i;
const PERSON_NOW_ZH = /转人工|转客服|转接|转真人|找人工|要人工|找真人|要真人|请转|马上|立刻|现在/;

/** True when the message asks when the shop's people can be reached (and does not ask for one right away). */
export function asksAboutHours(text: string): boolean {
  return (HOURS_ZH.test(text) || HOURS_EN.test(text)) && !PERSON_NOW_ZH.test(text) && !PERSON_NOW_EN.test(text);
}

/**
 * True when the shopper asks for a person in so many words. Naming a person in a question about when they work
 * ("人工客服几点上班") is a question about contact hours, which the contact article answers, not a request.
 */
export function asksForPerson(text: string): boolean {
  return (PERSON_ZH.test(text) || PERSON_EN.some((re) => re.test(text))) && !asksAboutHours(text);
}

/**
 * The message with its request for a person taken out: "I want to talk to a person about my refund" → "I want to
 * about my refund". What is left says what the person is wanted for (agent assist searches it), or nothing.
 */
export function withoutPersonRequest(text: string): string {
  const spans = [...PERSON_EN, PERSON_ZH].map((re) => new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`));
  return spans.reduce((rest, re) => rest.replace(re, ' '), text).replace(/\s+/g, ' ').trim();
}

// A request to exchange something for another size or colour ("can I swap the trail runners for a half size up",
// "NW-100236 的鞋能换大一码吗", "换个尺码"). Not "exchange rate", and in Chinese only 换 next to a size, a colour,
// bigger or smaller, or 货: "换地址" or "换个号码登录" change other things.
const EXCHANGE_EN = /\b(?:exchang(?:e|es|ed|ing)|swap(?:s|ped|ping)?)\b(?!\s+rates?\b)/i;
// …for another size or colour: "can I exchange my gift card for cash" is a gift-card question.
// "too big" says a size as well as "bigger" does ("they're too big, can he exchange them without the receipt?").
const SIZE_OR_COLOUR_EN = /\b(?:sizes?|colou?rs?|bigger|smaller|larger|tighter|looser|medium|large|small|x{0,2}[sl]|xxl|too (?:big|small|large|tight|loose|long|short|narrow|wide))\b/i;
// A length or fit asked for ("能换短一点的吗", "换松一点的") is another size.
const EXCHANGE_ZH = /换货|调换|换(?:成|个|一)?(?:大|小|短|长|宽|窄|紧|松)|换(?:成|个|一个|一)?(?:\d+(?:\.5)?)?(?:尺码|尺寸|颜色|码)|换(?:成)?一?(?:双|件|条|只|顶)(?:大|小)|换成?中号/;
// Another size asked for without the word "exchange" ("can we get a smaller one instead?", "could you send a small
// instead?", "could I trade it for a medium instead?"): a size or colour and "instead", in a message that does not ask
// for the money back ("a refund instead of a smaller size").
const INSTEAD_EN = /\binstead\b(?!\s+of\b)/i;
// …a size word in so many words: a lone "s" or "l" may be what is left of "there's" ("instead of the black hoodie
// there's a white t-shirt" is a wrong item).
const SIZE_WORD_EN = /\b(?:sizes?|smaller|bigger|larger|medium|large|small|size (?:up|down))\b/i;
const MONEY_BACK_EN = /\b(?:refund|money back|store credit)\b/i;

/** True when the message asks to exchange an item for another size or colour. */
export function asksForExchange(text: string): boolean {
  const english = (EXCHANGE_EN.test(text) && SIZE_OR_COLOUR_EN.test(text)) || (INSTEAD_EN.test(text) && SIZE_WORD_EN.test(text) && !MONEY_BACK_EN.test(text));
  return english || EXCHANGE_ZH.test(text);
}

// How a Chinese shopper's question is read for classification and search. Two slips the content can never match:
// - a pinyin keyboard's homophone picked for a shop word ("退或怎么弄" for 退货, "包油吗" for 包邮); "退或换" (return or
//   exchange) keeps its 或;
// - an English shop word typed inside Chinese ("我的order什么时候到", "鞋子的size chart有吗"): the Chinese articles and
//   intent examples say 订单 and 尺码表, so "order" matched only the English articles, and the Chinese question then
//   found whatever its remaining words ("什么时候到") fit best (the refund article's "钱什么时候到账").
// Only these fixed words, longest first, in one regular-expression pass; product names are left as written (the
// catalogue reads them), and a message without Chinese characters is returned as it is.
const HOMOPHONE_SLIPS: [RegExp, string][] = [[/退或(?![者是换])/g, '退货'], [/包油/g, '包邮'],
  // The order placed, said as "下的单" or "下了单" ("刚下的单想取消"): jieba glued the bare 单 to the next word ("单想"), so
  // the question named no order. It is read as the content's word for placing an order, 下单.
  [/下[了的]单(?![号据子价])/g, '下单'],
  // An order withdrawn (撤回订单, 订单能撤回吗, 撤单) is an order cancelled, the content's 取消: "撤回" was in no article or
  // example, so "我想撤回订单" found nothing. Only with the order itself what is withdrawn: named just after it (and not
  // as the owner of something else: "撤回订单的退款申请", "撤回订单评价"), or before it with at most one comma and a few words between
  // ("下单了，能撤回吗", "订单付款了，还能撤回吗", "下单两个小时了还能撤回吗"); never with another thing in between — a refund, a
  // return, an after-sales request, a complaint, a review, a note, a message, an exchange, a change, an invoice, a coupon
  // or a cancellation ("订单退款能撤回吗", "订单取消了，能撤回取消吗", "消息发错了，怎么撤回", "撤回退货单").
  [/撤回(?=[^，。？！,.?!退售申投评留消信修取换改票券]{0,4}?(?:订单|单子)(?![的里中退售申投评留消信修取换改票券]))|(?<=(?:订单|下单|单子)[^，。？！,.?!退售申投评留消信修取换改票券]{0,6}[，,]?[^，。？！,.?!退售申投评留消信修取换改票券]{0,10})撤回/g, '取消'],
  [/撤单/g, '取消订单']];
const SHOP_WORDS_ZH: Record<string, string> = {
  'size guide': '尺码指南', 'size chart': '尺码指南', 'tracking number': '运单号', 'promo code': '优惠码', 'gift card': '礼品卡',
  order: '订单', orders: '订单', package: '包裹', parcel: '包裹', tracking: '物流', refund: '退款', return: '退货',
  exchange: '换货', size: '尺码', shipping: '运费', delivery: '配送', invoice: '发票', receipt: '收据', cancel: '取消',
  ship: '发货', shipped: '发货',
  address: '地址', password: '密码', account: '账号',
};
const SHOP_WORDS_RE = new RegExp(`\\b(?:${Object.keys(SHOP_WORDS_ZH).sort((a, b) => b.length - a.length).map((w) => w.replace(' ', '\\s*')).join('|')})\\b`, 'gi');
const HAS_CHINESE = /[\u4e00-\u9fff]/;

/** The question as the Chinese content is written: homophone slips corrected, the shop's English words in Chinese, a shoe's 尺寸 as 鞋码. */
export function readAsChinese(text: string): string {
  if (!HAS_CHINESE.test(text)) return text;
  let out = text;
  for (const [slip, word] of HOMOPHONE_SLIPS) out = out.replace(slip, word);
  // A shoe's 尺寸 is its size, which the content calls 鞋码 ("鞋子要怎么挑尺寸" found the clothing guide's 身体尺寸 as much
  // as the shoe guide); elsewhere 尺寸 stays (a bag's dimensions, body measurements).
  if (/鞋/.test(out)) out = out.replace(/尺寸/g, '鞋码');
  return out.replace(SHOP_WORDS_RE, (w) => SHOP_WORDS_ZH[w.toLowerCase().replace(/\s+/g, ' ')] ?? w);
}

// Things a shop does not do, in words that look like its own topics: a tax return is no return and no import tax ("do
// you do tax returns?" was answered with the import-tax section), and returning a library book or a rental car is no
// return to the shop ("how do I return a rental car" got the returns article). The classifier cannot be trusted with
// them: "return" is in most of its return examples, and out-of-scope examples about taxes did not move it.
const TAX_FILING_EN = /\btax(?:es)?\s+(?:returns?|forms?|filing|refunds? from the government)\b|\bincome tax\b|\b(?:do|does|file|filing|fill(?:ing)? (?:in|out)|prepare|preparing|submit|help (?:me |us )?with)\s+(?:my |our |your |the )?(?:taxes|tax)\b(?!\s+(?:on|for|when|in|at|included))/i;
const TAX_FILING_ZH = /报税|报个税|个税|个人所得税|所得税|税务申报|纳税申报|汇算/;
// Returning what was borrowed or rented: the thing is not the shop's (a library book, a rental car or scooter).
const NOT_BOUGHT_EN = /\b(?:library|rental|rented|renting|hired?|hire car|borrowed|lent)\b/i;
const RETURNS_EN = /\b(?:return(?:s|ed|ing)?|give (?:it |them )?back|drop (?:it |them )?off)\b/i;
const NOT_BOUGHT_ZH = /图书馆|租的|租来|租了|租车|借的|借来|借了/;
const RETURNS_ZH = /还|退|归还/;

/** True when the message asks about something the shop does not handle though its words resemble a shop topic. */
export function asksOutsideShop(text: string): boolean {
  if (TAX_FILING_EN.test(text) || TAX_FILING_ZH.test(text)) return true;
  return (NOT_BOUGHT_EN.test(text) && RETURNS_EN.test(text)) || (NOT_BOUGHT_ZH.test(text) && RETURNS_ZH.test(text));
}

// Services a shop may or may not offer, each named by a few topic-defining words: a shop store or pickup, price
// matching, discounts for groups of people, a gift registry, wholesale, jobs, a loyalty scheme, appointments. A question
// about one is answered only from a source that names the service itself: the rest of its words ("address", "discount",
// "hours", "price") match other topics well ("showroom address" was the address-change intent at 0.96, "is there a student
// discount" the welcome discount, "你们门店在哪里" the return label's "UPS 门店"). A carrier's counter where a return label is
// printed ("UPS store", "UPS 门店") is no shop of ours.
const NOT_OURS_ZH = '(?<!UPS\\s?|ups\\s?|快递|邮局|快递点)';
export const SHOP_SERVICE_TOPICS: { name: string; words: RegExp }[] = [
  { name: 'stores', words: new RegExp(String.raw`\b(?:our|your|in|visit|nearest|closest|local|retail|physical|flagship|bricks?[- ]and[- ]mortar)\s+(?:(?!online\b|web\b)\w+\s+)?(?:stores?|shops?|showrooms?|boutiques?)\b|\bstores? (?:locations?|address(?:es)?|hours|near|pick-?up|opening)|\b(?:have|got|open) (?:a|any) (?:\w+ )?(?:stores?|shops?|showrooms?)\b(?! online)|\bshowrooms?\b|\bin-store\b|\bclick (?:and|&|n) collect\b|\bpick(?:ing)? (?:it |them |(?:my |the )?orders? )?up (?:in|at|from) (?:a |the |your )?(?:store|shop|warehouse)|\bpick(?:ing)?[- ]?up (?:(?:my |the |an? )?(?:orders?|parcels?|packages?) )?(?:in|at|from) (?:a |the |your )?(?:store|shop|warehouse)|\bcollect (?:it |them )?in (?:store|person)|${NOT_OURS_ZH}门店|实体店|线下店|自提|到店|展厅|专卖店|门市`, 'i') },
  { name: 'price-match', words: /\bprice[- ]?match(?:ing|es)?\b|\bmatch (?:a |the |their |any |another |other )?(?:competitor'?s?'? |lower |cheaper )?prices?\b|\bcompetitors?'?s?\b|\bcheaper (?:elsewhere|somewhere else|at another|on another)\b|\bbeat (?:a |any |their )?(?:competitor'?s? )?price|比价|价格匹配|别家|别的店|其他(?:店|家|商家|网站)|竞争对手/i },
  // Discounts for a group of people, one topic each: a shop with a student discount has said nothing about one for
  // the military or for teachers ("军人有优惠吗" got the student-discount article).
  { name: 'student-discount', words: /\b(?:students?|unidays|student beans)\b|学生/i },
  { name: 'teacher-discount', words: /\b(?:teachers?|educators?)\b|(?:教师|老师)[^。？?！!，,]{0,6}(?:优惠|折扣|打折|减免|便宜)/i },
  { name: 'healthcare-discount', words: /\b(?:nurses?|doctors?|nhs|key workers?|healthcare workers?|medical staff)\b|护士|医护|医生[^。？?！!，,]{0,6}(?:优惠|折扣|打折)/i },
  { name: 'military-discount', words: /\b(?:military|veterans?|armed forces|service members?)\s+(?:discounts?|deals?|offers?|pricing)\b|\bveterans?\b|军人[^。？?！!，,]{0,6}(?:优惠|折扣|打折|减免)|退伍军人/i },
  { name: 'senior-discount', words: /\b(?:seniors?|pensioners?|over[- ]6[05]s?|elderly)\b|老年人|老人[^。？?！!，,]{0,6}(?:优惠|折扣|打折)/i },
  { name: 'registry', words: /\bregistr(?:y|ies)\b|\bwedding list\b|礼品清单|婚礼清单/i },
  { name: 'wholesale', words: /\bwholesale\b|\bin bulk\b|\bbulk (?:orders?|buy(?:ing)?|discounts?|pricing|purchases?)\b|\b(?:group|corporate|company|team) (?:orders?|buy(?:ing)?|purchases?|discounts?)\b|\b(?:order|buy)(?:ing)? (?:\d{2,}|dozens?|hundreds?) (?:of )?(?:them|units?|items?|pieces?|bags?|pairs?)\b|\btrade (?:prices?|accounts?|pricing)\b|\bresell(?:er|ers|ing)?\b|批发|团购|大量采购|批量采购|企业采购|分销/i },
  { name: 'jobs', words: /\b(?:hiring|careers?|vacanc(?:y|ies)|job openings?|apply for a job|jobs? (?:at|with) you|work (?:for|at) you)\b|招聘|招人|求职|应聘|工作机会|招工/i },
  { name: 'loyalty', words: /\bloyalty\b|\brewards? (?:points?|program(?:me)?|scheme|club)\b|\b(?:earn|collect|redeem)(?:ing)? (?:my )?points\b|\bpoints (?:balance|program)|\bmembership\b|会员|积分/i },
  // When a sale runs (a sale-day review: "when does the sale end?" got the promo-code article, "is the Black Friday
  // sale still on tomorrow?" the shipping times, which only mention Black Friday's extra processing day).
  { name: 'sale-dates', words: /\bsale (?:end|ends|ending|start|starts|starting|dates?|last|lasts)\b|\bsale (?:still )?(?:on|running|going)\b|\bwhen (?:does|is|will|do) (?:the |your )?(?:next |black friday |cyber monday |christmas |holiday |summer |winter )?(?:sales?|promotions?)\b|\b(?:black friday|cyber monday|boxing day)\b.*\b(?:still|end|start|when|until)\b|\bis (?:the |your )?(?:\w+ )?sale still\b|(?:促销|活动|大促|打折|优惠活动)(?:什么时候|几号|哪天|到哪天|还有|结束|截止|开始)|双十一|双11|黑五/i },
  // When a sold-out item comes back (the sale-day review's "when will it be restocked?" got the exchanges article's
  // out-of-stock section, the new-shop review's "when do you restock the power bank" the flying-with-batteries one).
  { name: 'restock', words: /\brestock(?:ed|ing|s)?\b|\bback in stock\b|\bin stock again\b|\b(?:available|in stock) again\b|\bnotify me when\b|\bback[- ]in[- ]stock (?:alerts?|notifications?)\b|补货|到货通知|重新上架|再次上架|(?:什么时候|何时|多久)(?:能|会|才)?(?:再)?有货|缺货[^。？?！!]{0,8}(?:什么时候|何时|多久)/i },
  // Wrapping an order as a gift ("do you offer gift wrapping?" was offered the promo codes, the warranty and the costs;
  // "can you wrap my present? how much is that" the shipping fees, in a shop with a gift-wrapping article).
  { name: 'gift-wrap', words: /\bgift[- ]?wrap(?:s|ped|ping)?\b|\bwrap (?:it|them|my order|the order|this) (?:up )?(?:as a gift|for a gift)\b|\bwrap (?:up )?(?:my|the|a|this|her|his) (?:present|gift|birthday present)s?\b|礼品包装|礼物包装|包装成礼物|礼盒包装/i },
  // Engraving or printing a name on an item, the service, not an item's state: the return policy's "personalised or
  // engraved items" (个性化定制或刻字商品) cannot be returned, which says nothing of whether the shop engraves ("can you
  // engrave the smartwatch as a gift" got that section); "can it be engraved?" asks for the service. "Can I return an
  // engraved watch?" stays the returns' question, and personalised ads, emails or recommendations are privacy's.
  { name: 'personalisation', words: /\bengrav(?:e|ing|ings)\b|\bmonogram(?:s|med|ming)?\b|\bpersonali[sz](?:e|ing|ation)\b(?![^.?!,]{0,25}\b(?:ads?|adverts?|advertising|emails?|marketing|recommendations?|settings?|feed|experience)\b)|\bembroider(?:y|ing)?\b|\b(?:be|get|have) (?:(?:it|them|one|mine|this|that|the \w+|my \w+) )?(?:engraved|monogrammed|embroidered)\b|\b(?:engraved|embroidered) with (?:my|a|his|her|their|our|the) (?:name|initials|message|text)\b|刻字(?!的|商品|产品)|刻(?:个|上)?名字|绣(?:字|名字)|个性化定制(?!或|的|商品|产品)/i },
  // Used or refurbished stock asked about, bought or sold ("do you sell refurbished earbuds cheaper" was offered the
  // warranty), not a received item that looks used or came open ("my order arrived open box": the damaged-item article).
  { name: 'second-hand', words: /\b(?:sell|sells|selling|have|carry|stock|buy|offer|any|got)\b[^.?!,]{0,25}\b(?:refurb(?:ished|s)?|open[- ]box|second[- ]?hand|pre[- ]?owned|ex[- ]display)\b|\b(?:refurbished|pre[- ]?owned|second[- ]?hand|ex[- ]display) (?:ones?|models?|units?|versions?|stock|items?|products?)\b|\bofficially renewed\b|(?:卖|有|收(?!到)|买|回收)[^。？?！!，,]{0,6}(?:二手|翻新|官翻|展示机)|(?:二手|翻新|官翻)(?:的)?(?:吗|嘛|么)/i },
  { name: 'appointments', words: /\bappointments?\b|\bstylists?\b|\bstyling (?:session|appointment|service)s?\b|预约(?:上门|到店|试穿|量体)|量体|造型师/i },
];

/** The topics of SHOP_SERVICE_TOPICS the message names (none for most questions). */
export function shopServiceTopicsNamed(text: string): typeof SHOP_SERVICE_TOPICS {
  return SHOP_SERVICE_TOPICS.filter((t) => t.words.test(text));
}

/** A message cut at `breaks`, each part trimmed; parts without a letter (punctuation, numbers alone) left out. */
function clausesOf(text: string, breaks: RegExp): string[] {
  return text.split(breaks).map((c) => c?.trim()).filter((c): c is string => !!c && /\p{L}/u.test(c));
}

/** Where a message's questions part: sentence and clause punctuation, and the words that add another question. */
const QUESTION_BREAK = /[.!?;,。！？；，]+\s*|\s+(?=(?:and|also|plus|but|oh and)\s)|(?=另外|还有|顺便|以及|而且|还想问)/iu;
const JOINING_WORD = /^(?:and|also|plus|but|oh and)\s+(?:also\s+)?|^(?:另外|还有|顺便问一下|顺便|以及|而且|还想问一下|还想问)[，,、\s]*/iu;

/**
 * A message in parts: the clauses that name one of these services and the rest ("how do i use a promo code? also do
 * you do student discount" → "how do i use a promo code" and "also do you do student discount"). Null when every
 * clause names one, or none does, or the rest asks nothing (no question mark after it, no question word): "the merino
 * sweater is out of stock, when will it be restocked?" is one question, its first clause only says why it is asked.
 */
export function partsNamingServices(text: string, topics: typeof SHOP_SERVICE_TOPICS): { rest: string; naming: string } | null {
  const clauses = clausesOf(text, QUESTION_BREAK);
  const names = (clause: string) => topics.some((t) => t.words.test(clause));
  const naming = clauses.filter(names);
  const asked = clauses.filter((c) => !names(c));
  const rest = asked.map((c) => c.replace(JOINING_WORD, '').trim()).filter((c) => /\p{L}/u.test(c));
  if (!naming.length || !rest.length) return null;
  const questionMarkAfter = (clause: string) => /^\s*[?？]/u.test(text.slice(text.indexOf(clause) + clause.length));
  if (!asked.some((c) => questionMarkAfter(c) || tokenize(c).some(isQuestionWord))) return null;
  const join = HAS_CHINESE.test(text) ? '，' : ', ';
  return { rest: rest.join(join), naming: naming.join(join) };
}

/** The names of the services of SHOP_SERVICE_TOPICS the message names (none for most questions). */
export function shopServicesNamed(text: string): string[] {
  return shopServiceTopicsNamed(text).map((t) => t.name);
}

// When a fault showed, as the shopper tells it: on arrival (the damaged-item article: a replacement or refund within 7
// days) or after some use (the warranty). The classifier reads "broken" and "won't charge" as warranty questions
// whatever else is said ("the power bank i got yesterday won't charge at all": warranty 0.63), and "坏了" alone as one
// too (0.91), though most shoppers who write just that have only unpacked it.
// Fabric and stitching that give way are faults too ("the strap is already starting to fray"); a seam or stitching only
// with what happened to it ("does the jacket have taped seams?" names no fault).
const FAULT_EN = /\bbroken\b|\bbroke\b|\b(?:doesn'?t|does not|won'?t|will not|isn'?t|is not|not|stopped|can'?t|cannot)\s+(?:work(?!\s+out)|working|charge|charging|turn(?:ing)? on|switch(?:ing)? on|power(?:ing)? on)\b|\bdead\b|\bfaulty\b|\bdefective\b|\bcracked\b|\bfray(?:s|ed|ing)?\b|\b(?:coming|came|come|falling|fell) (?:apart|undone|unstitched|unravell?ing)\b|\b(?:seams?|stitch(?:es|ing)?)\b[^.?!]{0,25}\b(?:split(?:ting)?|ripp(?:ed|ing)|tore|torn|tearing|loose|undone|apart|unravell?(?:ed|ing)|gone|broke|broken)\b|\b(?:split|ripped|torn|loose|broken) (?:seams?|stitch(?:es|ing)?)\b/i;
// An earphone or speaker that makes no sound is faulty as much as one that will not charge ("右耳完全没声音"); a page
// that does not respond (不响应) or a missing statement (没声明) is not.
const FAULT_ZH = /坏了|坏的|是坏|坏掉|充不进电|充不了电|充不上电|开不了机|开不开机|不开机|没反应|不能用|用不了|不工作|碎了|是碎的|裂了|没声音|没有声音|没声(?!明)|不响(?!应)/;
// "got my earbuds today": a few words may stand between "got" and the day.
const ON_ARRIVAL_EN = /\b(?:arrived|arrives|came|come|delivered|received|just got|got (?:(?:my|the|it|them|this|these|a|an|our|new)\s+(?:[\w-]+\s+){0,2})?(?:today|yesterday)|i got (?:yesterday|today)|out of the box|unboxed|unpacked|opened (?:it|the box|the parcel))\b/i;
// "快递送到的时候": when the courier brought it.
const ON_ARRIVAL_ZH = /收到|到货|到手|刚到|今天到|昨天到|到了|拆开|打开包装|开箱|刚买|新买|(?:送到|送来|送达|寄到)的?时候/;
const LATER_EN = /\bafter\b|\b(?:weeks?|months?|years?)\b|\bwarranty\b|\bcovered\b|\bused\b|\bstopped\b|\bany ?more\b|\bsuddenly\b/i;
const LATER_ZH = /用了|戴了|穿了|之后|以后|后来|一段时间|个月|星期|礼拜|半年|一年|保修|突然|不久/;
// Received today or yesterday: the week it was bought in ("我上礼拜买的耳机今天收到") says nothing of use. Only words of
// use (or the warranty) make it a later fault then.
const JUST_ARRIVED_ZH = /(?:今天|昨天|刚刚?|才)(?:才)?(?:收到|到货|到手|到)/;
const USED_ZH = /用了|戴了|穿了|洗了|后来|突然|保修|不久/;

/**
 * True when the message says only that something is faulty, with nothing of what or when ("it's not working", "not
 * working", "坏了"): no topic word is left once the fault is taken out. The classifier's reading of it is a guess.
 */
export function namesOnlyFault(text: string): boolean {
  if (faultShowed(text) !== 'unsaid') return false;
  const global = (re: RegExp) => new RegExp(re.source, `${re.flags}g`);
  const rest = text.replace(global(FAULT_EN), ' ').replace(global(FAULT_ZH), ' ');
  return !tokenize(rest).some((w) => !isQuestionWord(w) && !/^(?:it|its|it's|this|that|thing|still|all|just|again|我的|这个|东西)$/i.test(w));
}

/**
 * When the message says an item is faulty, whether it tells when the fault showed: 'arrival' (arrived broken, won't
 * charge out of the box), 'later' (after some use, or asking about the warranty), 'unsaid' (just "坏了"), or null when
 * no fault is named. A message that says both is 'later': the warranty asks for no arrival date.
 */
export function faultShowed(text: string): 'arrival' | 'later' | 'unsaid' | null {
  const chinese = /[\u4e00-\u9fff]/.test(text);
  if (!FAULT_EN.test(text) && !(chinese && FAULT_ZH.test(text))) return null;
  if (chinese && JUST_ARRIVED_ZH.test(text) && !USED_ZH.test(text) && !LATER_EN.test(text)) return 'arrival';
  if (LATER_EN.test(text) || (chinese && LATER_ZH.test(text))) return 'later';
  if (ON_ARRIVAL_EN.test(text) || (chinese && ON_ARRIVAL_ZH.test(text))) return 'arrival';
  return 'unsaid';
}

// The shop sent something other than what was ordered: the shop as the sender ("you sent me", "came in the wrong colour"),
// not the shopper's own slip ("i ordered the wrong size", which is a change or an exchange), nor a parcel left at the wrong
// address ("送错地址了", a delivery question).
const WRONG_ITEM_EN = /\b(?:sent|shipped|gave|delivered)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+)?wrong\b|\b(?:received|came|arrived|got sent)\b[^.!?]{0,30}\bwrong\s+(?:size|colou?r|item|product|model|one|thing|style|pair)\b|\binstead of (?:the |what |my )?[\w\s-]{0,30}\bi (?:ordered|bought|paid for)\b|\bnot what i (?:ordered|bought|paid for)\b/i;
// "I ordered … and you sent …" only with a word of difference after "you sent": wrong, different, not what; instead or
// another only of something other than "it" ("you sent it to my address instead of hers" is a delivery); or "a red one"
// set against what was ordered. Without one, the very thing was shipped ("I ordered a jacket on Monday and you shipped it
// yesterday", "I ordered two mugs but you shipped them separately").
const SENT_OTHER_THAN_ORDERED_EN = /\bordered\b[^.!?]{0,60}\b(?:and|but)\s+(?:you|u|you guys|they)\s+(?:sent|shipped|gave)\b(?=[^.!?]{0,40}?\b(?:wrong|different|not what)\b|(?!\s+(?:it|them|this|that|these|those)\b)[^.!?]{0,40}?\b(?:another|instead)\b|\s+(?:me\s+|us\s+)?an?\s+[\w-]+\s+ones?\b)/i;
// 跟我买的… only with a word of difference after it (不一样, 不符, 不对, 错): "能跟我买的东西一起寄吗" asks to send something along.
// A message sent wrong is the shopper's own slip, no item ("消息发错了，怎么撤回", "发错人了").
const WRONG_ITEM_ZH = /(?<!消息|信息|短信|留言)(?:发|寄|送)错(?!了?(?:地址|地方|门|楼|消息|信息|短信|人))|不是我(?:订|买|下单|要)的|(?:跟|和|与)我?(?:订|买|下单|要)的[^，。！？,.!?]{0,8}?(?:不一样|不同|不符|不对|不是|错)|(?:跟|和|与)订单(?:上的)?不(?:一样|符|对)|货不对板/;

// A size or colour ordered and another one received, in one sentence ("I ordered a medium sweater and got a large", "订的是黑色，
// 收到的是白色的"): the difference is the two words, with no "wrong" said. The same word twice is the thing that came ("ordered
// a medium and got the medium today, can I exchange it").
const VARIANT_EN = String.raw`xx?s|xx?l|extra[- ]small|extra[- ]large|small|medium|large|size \d+(?:\.5)?|black|white|navy|red|blue|green|grey|gray|charcoal|olive|pink|beige|brown|yellow|purple|orange`;
const ORDERED_VARIANT_EN = new RegExp(String.raw`\b(?:ordered|bought|paid for)\s+(?:an?\s+|the\s+|my\s+)?(${VARIANT_EN})\b[^.!?]{0,40}?\b(?:got|received|came|arrived|sent(?: me| us)?|shipped(?: me| us)?|delivered)\s+(?:with\s+|as\s+|in\s+)?(?:an?\s+|the\s+)?(${VARIANT_EN})\b`, 'i');
const VARIANT_ZH = String.raw`[XxSsMmLl]{1,3}码?|\d{2}码|大码|中码|小码|[黑白红蓝绿灰粉黄紫棕]色|藏青色|卡其色|米色`;
const ORDERED_VARIANT_ZH = new RegExp(String.raw`(?:订|买|下单|选)的?(?:是)?(${VARIANT_ZH})[^。！？.!?]{0,16}?(?:收到|到手|寄来|发来|送来)的?(?:是|却是|竟然是)?(${VARIANT_ZH})`);

/** Whether one sentence names a size or colour ordered and a different one received (see ORDERED_VARIANT_EN). */
function receivedOtherVariant(text: string): boolean {
  const found = ORDERED_VARIANT_EN.exec(text) ?? (/[\u4e00-\u9fff]/.test(text) ? ORDERED_VARIANT_ZH.exec(text) : null);
  const [ordered, received] = [found?.[1], found?.[2]].map((v) => v?.toLowerCase().replace(/码$|\s+/g, '').replace('gray', 'grey'));
  return !!ordered && !!received && ordered !== received;
}

/** Whether the shopper says the shop sent the wrong item, size or colour ("ordered navy and you sent me charcoal", "发错货了"). */
export function sentWrongItem(text: string): boolean {
  return WRONG_ITEM_EN.test(text) || SENT_OTHER_THAN_ORDERED_EN.test(text) || (/[\u4e00-\u9fff]/.test(text) && WRONG_ITEM_ZH.test(text))
    || receivedOtherVariant(text);
}

// Tracking that says a parcel was delivered, and no parcel: both must be said ("it says delivered, can I still return it?"
// is no missing parcel, nor "I was not home when it was delivered").
const SAYS_DELIVERED_EN = /\b(?:says?|said|shows?|showed|showing|marked|listed|status|tracking)\b[^.!?]{0,30}\bdelivered\b/i;
const NOT_RECEIVED_EN = /\bnot here\b|\bnever (?:got|received|arrived|came|showed up|turned up)\b|\b(?:didn'?t|did not|haven'?t|have not|hasn'?t|has not) (?:get|got|gotten|receive|received|arrive|arrived|come|came|turn(?:ed)? up|show(?:ed)? up)\b|\bnot (?:received|arrived)\b|\bnothing (?:at|on|outside|in front|by)\b|\b(?:isn'?t|wasn'?t|is not|was not) (?:here|there)\b|\bcan'?t find\b|\bcannot find\b|\bnowhere\b|\b(?:doesn'?t|don'?t|does not|do not) have it\b|\bno (?:parcel|package|box)\b/gi;
const SAYS_DELIVERED_ZH = /(?:显示|说|写着|状态|物流|快递|记录)[^，。！？,.!?]{0,8}(?:签收|送达|妥投|已送到|派送成功|投递成功)/;
const NOT_RECEIVED_ZH = /没(?:有)?(?:收到|拿到|看到|见到)|找不到|不见了|根本没|没有包裹|什么都没有/g;
// What did not come must be the parcel: a return the tracking shows delivered to the shop, and no refund yet ("My return
// shows delivered to your warehouse but I have not received my refund", "退货显示已签收了，怎么还没收到退款", "钱还没有收到") is a
// refund question, and so is any other thing not received after a delivery (an e-mail, an invoice, a code). The thing is
// named after the words of not receiving it, or before them ("the refund hasn't come", "退款到现在都没收到").
const NOT_THE_PARCEL_EN = String.raw`refunds?|money|credit|payment|reimbursement|e-?mails?|invoices?|receipts?|codes?|confirmations?|repl(?:y|ies)|responses?|answers?|messages?|texts?|sms|notifications?|updates?|labels?|vouchers?|gift cards?`;
const NOT_THE_PARCEL_ZH = '退款|退的钱|钱|款|邮件|发票|收据|验证码|码|短信|通知|回复|优惠券|优惠码|礼品卡|确认|标签|面单';
const OTHER_THING_AFTER_EN = new RegExp(String.raw`^\s+(?:(?:my|the|a|an|any|your|our|their|that|this)\s+)?(?:[\w-]+\s+)?(?:${NOT_THE_PARCEL_EN})\b`, 'i');
const OTHER_THING_BEFORE_EN = new RegExp(String.raw`\b(?:${NOT_THE_PARCEL_EN})\s+(?:(?:still|yet|also|even)\s+)?$`, 'i');
const OTHER_THING_AFTER_ZH = new RegExp(`^有?(?:收到|拿到|看到|见到)?[到过]?(?:你们的?|我的|任何)?(?:${NOT_THE_PARCEL_ZH})`);
const OTHER_THING_BEFORE_ZH = new RegExp(`(?:${NOT_THE_PARCEL_ZH})(?:还|都|也|却|一直|到现在|至今)*$`);

/**
 * Whether `pattern` (global: each of its matches is read) says something was not received that the words around it do not
 * name as other than the parcel.
 */
function parcelNotReceived(text: string, pattern: RegExp, otherAfter: RegExp, otherBefore: RegExp): boolean {
  return [...text.matchAll(pattern)].some((m) => !otherAfter.test(text.slice(m.index! + m[0].length)) && !otherBefore.test(text.slice(0, m.index!)));
}

/** Whether the shopper says the tracking shows the parcel delivered though it never reached them ("显示已签收但我没收到"). */
export function saysDeliveredNotReceived(text: string): boolean {
  if (SAYS_DELIVERED_EN.test(text) && parcelNotReceived(text, NOT_RECEIVED_EN, OTHER_THING_AFTER_EN, OTHER_THING_BEFORE_EN)) return true;
  return /[\u4e00-\u9fff]/.test(text) && SAYS_DELIVERED_ZH.test(text) && parcelNotReceived(text, NOT_RECEIVED_ZH, OTHER_THING_AFTER_ZH, OTHER_THING_BEFORE_ZH);
}

// The greeting words, shared by "a greeting in front of a question" and "a greeting and nothing else".
const HELLO_EN = String.raw`(?:hi|hello|hey|hiya|greetings|good (?:morning|afternoon|evening))(?: there| team| all| guys)?`;
const SMALL_TALK_EN = String.raw`how are you(?: doing)?(?: today)?|(?:is |are you )?(?:anyone|anybody|someone|somebody|you) (?:still )?(?:there|here|around|available)`;
const HELLO_ZH = '你好|您好|哈喽|嗨|早上好|上午好|下午好|晚上好|在吗|在不在';

// One greeting or several in a row ("hello there, good morning! where is my parcel?").
const GREETING_EN = new RegExp(String.raw`^\s*(?:${HELLO_EN}[\s,!.:;~-]+)+`, 'i');
const GREETING_ZH = new RegExp(String.raw`^\s*(?:(?:${HELLO_ZH})[\s，,!！。.、~：:]*)+`);

const BARE_GREETING_EN = new RegExp(String.raw`^\s*(?:${HELLO_EN}|${SMALL_TALK_EN}|is anyone there)(?:[\s,!.?~-]+(?:${SMALL_TALK_EN})?)*[\s,!.?~-]*$`, 'i');
const BARE_GREETING_ZH = new RegExp(String.raw`^\s*(?:(?:${HELLO_ZH}|还有人在吗|有人在吗|有人吗|人呢|亲)[\s，,!！。.、~？?]*)+$`);

/** True when the message is a greeting and nothing else ("hello there", "hi, how are you?", "你好，在吗？"). */
export function isBareGreeting(text: string): boolean {
  return BARE_GREETING_EN.test(text) || BARE_GREETING_ZH.test(text);
}

/**
 * The message without a greeting in front ("Hi, my tote arrived torn" → "my tote arrived torn"): the greeting
 * says nothing about the question but pulls the classifier towards the greeting intent. A bare greeting stays.
 */
export function withoutGreeting(text: string): string {
  const rest = text.replace(GREETING_EN, '').replace(GREETING_ZH, '');
  // Courtesy and thanks in front, in any order ("hope you are well! Sorry if this is a silly question, but …").
  let front = rest.trim();
  for (let before = ''; before !== front;) {
    before = front;
    front = front.replace(COURTESY_EN, '').replace(COURTESY_ZH, '').replace(THANKS_FIRST_EN, '').replace(THANKS_FIRST_ZH, '').trim();
  }
  let question = front.replace(OPENER_EN, '').trim();
  // Thanks after the question ("… how long would it take to arrive? Thanks so much in advance", "…多少天呢？谢谢您！").
  const unthanked = question.replace(THANKS_LAST_EN, '$1').replace(THANKS_LAST_ZH, '$1').replace(/[,，]$/, '').trim();
  if (/\p{L}{2}/u.test(unthanked)) question = unthanked;
  if (question !== rest.trim() && /\p{L}{2}/u.test(question)) return question.replace(/^(?:if|whether)\s+/i, '');
  return rest.trim().length >= 2 ? rest.trim() : text;
}

/**
 * A sentence of thanks in front of a question ("thanks for the quick delivery last time! quick question, how long …",
 * "谢谢你们，上次的问题解决了。再问一下…"): like a greeting, it says nothing about the question, and its words
 * ("delivery") pull the search elsewhere. Only a whole sentence, ended by . ! or 。！, and only with a question after it.
 */
const THANKS_FIRST_EN = /^\s*(?:thanks|thank you|thx|many thanks|cheers)\b[^.!?]*[.!]+\s+/i;
/** Words that announce a question without being part of it ("quick question, how long …", "one more thing: …"). */
const OPENER_EN = /^(?:(?:a |one )?quick question|one more (?:thing|question)|just wondering|i was wondering)(?:\s*[,:;.!-]+\s*|\s+(?=if\b|whether\b))/i;
const THANKS_FIRST_ZH = /^\s*(?:谢谢|感谢|多谢)[^。！!？?]*[。！!]+\s*/;
/**
 * Politeness in front of a question: a wish ("I hope you're having a good day."), an apology for asking ("sorry to bother
 * you.", "Sorry if this is a silly question, but"), "打扰一下", "麻烦问一下". It pulled a polite question on instalments
 * to the thanks intent, and one on shipping to Ireland away from the international article.
 */
const COURTESY_EN = /^(?:i )?hope (?:you(?:'re| are)|all is|this (?:finds|message))[^.!?]*[.!?]+\s*|^(?:sorry|apologies)\b(?: to (?:bother|trouble) you| for (?:bothering you|the (?:bother|trouble)|asking))?(?: if this is an? (?:silly|stupid|dumb|basic|obvious) question)?[^.!?,]{0,20}[.!?,]+\s*(?:but\s+)?/i;
const COURTESY_ZH = /^(?:打扰(?:一下|了|您了|您)?|麻烦(?:问一下|您|你)?|不好意思)[，,、。！!\s]*/;
/** Thanks after the question, kept apart from it by punctuation; the question's own mark stays. */
const THANKS_LAST_EN = /([.!?,])\s*(?:(?:thanks|thank you|thx|many thanks|cheers)\b[^.!?]*|(?:much )?appreciated)[.!?\s]*$/i;
const THANKS_LAST_ZH = /([。！!？?，,~～])\s*(?:非常|十分)?(?:感谢|谢谢|多谢)(?:您|你|啦|了|哈)?[！!。~～\s]*$/;

const analyser = new natural.SentimentAnalyzer('English', natural.PorterStemmer, 'afinn');
const wordTokenizer = new natural.WordTokenizer();

// Chinese sentiment lexicon (ours): word → weight. Longer words are matched first.
const ZH_LEXICON: Record<string, number> = {
  垃圾: -4, 骗子: -4, 骗人: -4, 诈骗: -4, 气死: -4, 受够了: -4, 忍无可忍: -5, 太差了: -4, 差劲: -3, 太烂: -4,
  恶心: -3, 愤怒: -4, 生气: -3, 讨厌: -3, 糟糕: -3, 失望: -3, 极差: -4, 最差: -4, 投诉: -2, 无语: -2,
  坑人: -3, 黑店: -4, 不满: -2, 烦死: -4, 崩溃: -3, 离谱: -3, 破玩意: -4, 什么破: -3, 滚: -4, 骗: -2,
  起诉: -4, 律师: -3, 曝光: -3, 12315: -4, 消协: -4, 多少遍: -4, 好几遍: -4, 好几次了: -4, 第三次: -2,
  // Waiting, said as a complaint about now ("等很久了"): a person, not another bot answer. Without the final 了 it is
  // often the story of a parcel ("等了好久还没发货"), which the order answers serve.
  等很久了: -4, 等了很久了: -4, 等了好久了: -4, 等半天了: -4, 等了半天了: -4, 等了好久: -2, 等了很久: -2, 等了半天: -2,
  // The shop called rotten ("你們很爛", "真的很爛"): with a word of degree only, "烂了" alone is a torn or rotten item.
  很烂: -4, 真烂: -4, 好烂: -4, 超烂: -4, 烂透: -4, 烂死: -4, 没人理: -3, 没人回: -3, 不理人: -3,
  满意: 2, 谢谢: 2, 感谢: 2, 很好: 2, 不错: 2, 开心: 2, 喜欢: 2, 棒: 2, 太好了: 3,
};
const ZH_WORDS = Object.keys(ZH_LEXICON).sort((a, b) => b.length - a.length);
const ZH_NEGATORS = /[不没别]$|没有$|并不$/;

export interface Sentiment {
  /** Per-word average (English AFINN) or lexicon sum (Chinese); below zero is negative. */
  score: number;
  /** Sum of word weights. */
  total: number;
  strongNegative: boolean;
  /** An exclamation of annoyance ("wtf", "damn", "卧槽") without strong words: answered, with a person offered. */
  annoyed: boolean;
}

/**
 * Exclamations of annoyance: they say how the shopper feels about the problem, not what they think of the shop. AFINN
 * scores most of them −4, as much as "furious", so one "wtf" after a payment question handed off. They weigh like the
 * mood phrases that need company (−2): one alone is answered, with more negative words it still hands off. Swearing
 * at the shop or a person ("shit service", "fuck you") is no exclamation and keeps AFINN's weight.
 */
const ANNOYED_EN = /\b(?:wtf|wth|ffs|omfg|ugh+|damn(?:it)?|dammit|(?:why|what|where|how|who) the (?:hell|heck|fuck)|the hell|for (?:fuck|god|pete|christ)'?s sake)\b/giu;
const ANNOYED_ZH = /卧槽|我靠|我去|妈的|特么|尼玛|tmd/giu;
const ANNOYED_WEIGHT = -2;

function chineseSentiment(text: string): Sentiment {
  let total = 0;
  let rest = text;
  for (const word of ZH_WORDS) {
    let index = rest.indexOf(word);
    while (index >= 0) {
      const negated = ZH_NEGATORS.test(rest.slice(Math.max(0, index - 2), index));
      total += negated ? -ZH_LEXICON[word] : ZH_LEXICON[word];
      rest = `${rest.slice(0, index)}\u0000${rest.slice(index + word.length)}`; // each character counts once
      index = rest.indexOf(word);
    }
  }
  const annoyance = (rest.match(ANNOYED_ZH) ?? []).length * ANNOYED_WEIGHT;
  total += annoyance;
  const exclamations = (text.match(/[!！]/g) ?? []).length;
  if (total < 0 && exclamations >= 2) total -= 1; // "！！！" makes a complaint angrier, not a question
  return { score: total, total, strongNegative: total <= -4, annoyed: annoyance < 0 && total > -4 };
}

// Words that name the shopper's problem rather than their mood. AFINN scores them (damaged −3, lost −3, wrong −2,
// failed −2 …), which made "item damaged in shipping" read as furious and sent it to a person instead of the
// damaged-item answer. They count as neutral words; the mood words ("ridiculous", "terrible", "useless") still count.
const PROBLEM_WORDS = new Set([
  'damage', 'damaged', 'damages', 'broken', 'broke', 'lost', 'lose', 'stolen', 'steal', 'missing', 'miss', 'wrong',
  'fail', 'failed', 'fails', 'failure', 'denied', 'deny', 'problem', 'problems', 'error', 'errors', 'delay', 'delayed',
  'cancel', 'cancelled', 'canceled', 'cancellation', 'charge', 'charged', 'charges', 'torn', 'tear', 'defective',
  'leak', 'leaking', 'stuck', 'blocked', 'block', 'dead', 'worn', 'fraud', 'dispute',
]);

// Escalation phrases (ours). AFINN scores single words, so it misses how shoppers say they are done with a shop:
// an accusation ("this is a scam", AFINN −2, or "scammers", unscored), a threat ("I'll report you"), sarcasm
// ("thanks for nothing", AFINN positive), "fed up", "this is a joke" (AFINN +2) or having asked again and again.
// Weight −4 hands off on its own; −2 does when the rest of the message is negative too.
const ESCALATION_EN: [RegExp, number][] = [
  // accusations (a question about a scam e-mail or call is not one)
  [/\bscam(?!\s*(?:e-?mails?|calls?|texts?|sms|messages?|links?))(?:s|med|mers?)?\b|\brip[- ]?off\b|\bripped (?:me )?off\b|\bcon artists?\b|\bthie(?:f|ves)\b/i, -4],
  // threats
  [/\b(?:sue|suing|lawyers?|solicitors?|legal action|small claims|trading standards|consumer protection|better business bureau)\b|\breport (?:you|this (?:shop|store|company|site))\b/i, -4],
  // done with it
  [/\bfed up\b|\bsick (?:and tired )?of\b|\b(?:i'?ve|i have) had enough\b|\benough is enough\b|\blast straw\b|\bthanks (?:a lot )?for nothing\b|\b(?:this is|that is|it's|what) an? (?:joke|disgrace)\b(?! (?:shop|item|gift|present|toy))|\bnever (?:again|buying|ordering|shopping)\b/i, -4],
  // waiting, for nothing in particular ("I have been waiting for ages", "still waiting!!"): a person is what they wait for;
  // "waiting for my parcel for 2 weeks" names what they wait for, and the order answers serve it
  [/\b(?:i'?ve|i have|we'?ve|we have|been|i'?m|i am|still|keep|kept) (?:been )?waiting (?:for )?(?:ages|so long|forever|hours|a long time|too long|all day|an hour)\b|\bstill waiting\s*[!?.]*\s*$/i, -4],
  // asked again and again
  [/\b(?:second|third|fourth|fifth|umpteenth|\d+(?:st|nd|rd|th)) time (?:that )?(?:i(?:'ve| have| am)? |i'm |we(?:'ve| have| are)? |we're )?(?:ask|asking|asked|contact|contacting|contacted|writ|wrote|message|messaging|messaged|call|calling|called|email|emailing|emailed|tell|telling|told|explain)/i, -4],
  [/\b(?:asked|contacted|written|wrote|messaged|called|emailed|told you) (?:you )?(?:\d+|two|three|four|five|several|many|multiple|so many) times\b/i, -4],
  // mood that needs company
  [/\bunacceptable\b|\bso (?:angry|annoyed|frustrated|upset|mad)\b|\b(?:you|you guys|you people) are (?:useless|hopeless|incompetent|a joke|clowns)\b|\bwaste of (?:time|money)\b|\bstill no (?:reply|answer|response|refund)\b/i, -2],
];

function escalationOf(text: string): number {
  return ESCALATION_EN.reduce((sum, [pattern, weight]) => sum + (pattern.test(text) ? weight : 0), 0);
}

function englishSentiment(text: string): Sentiment {
  // An exclamation counts with its own weight, in place of its words' (see ANNOYED_EN).
  const annoyance = (text.match(ANNOYED_EN) ?? []).length * ANNOYED_WEIGHT;
  const rest = annoyance ? text.replace(ANNOYED_EN, ' item ') : text;
  // A token longer than any word has no sentiment, and the analyser would run natural's Porter stemmer over it
  // (quadratic on a run of consonants: see MAX_STEMMED_CHARS), so it is left out.
  const tokens = (wordTokenizer.tokenize(rest.toLowerCase()) ?? [])
    .filter((t) => t.length <= MAX_STEMMED_CHARS)
    .map((t) => (PROBLEM_WORDS.has(t) ? 'item' : t));
  const escalation = escalationOf(text) + annoyance;
  if (!tokens.length) return { score: 0, total: 0, strongNegative: false, annoyed: false };
  const score = analyser.getSentiment(tokens);
  const total = score * tokens.length + escalation;
  // Averages alone make a short "ugh" look furious and a long rant look calm: require both.
  const strongWords = score <= -0.5 && total <= -3;
  const strongNegative = strongWords || escalation <= -4 || (escalation < 0 && total <= -4);
  return { score, total, strongNegative, annoyed: annoyance < 0 && !strongNegative };
}

/** Sentiment of one message; Chinese characters switch to the Chinese lexicon. */
export function sentimentOf(text: string): Sentiment {
  const english = englishSentiment(text);
  if (!/[\u4e00-\u9fff]/.test(text)) return english;
  const chinese = chineseSentiment(text);
  const total = chinese.total + (english.total < 0 ? english.total : 0);
  const strongNegative = chinese.strongNegative || english.strongNegative || total <= -4;
  return { score: chinese.score, total, strongNegative, annoyed: (chinese.annoyed || english.annoyed) && !strongNegative };
}

/** Where a story's clauses part: sentence and clause punctuation, and the words that join one clause to the next. */
const CLAUSE_BREAK = /[.!?;,。！？；，]+\s*|\s+(?=(?:and|but|so|because)\s)|(?=但是|可是|所以|结果)/iu;
/** A question needs this many words besides question words to say what it is about. */
const TOPIC_WORDS = 2;
/** Shorter messages are questions, not stories: the whole of them is read. */
const STORY_MIN_WORDS = 12;
const STORY_MIN_HAN = 20;

/**
 * The last clause of a message of several, when it asks something (a question word or a question mark): "衣服洗了一次就
 * 缩水了，能退吗" → "能退吗". Null for a message of one clause, or one whose end asks nothing.
 */
export function askingClause(text: string): string | null {
  const clauses = clausesOf(text, CLAUSE_BREAK);
  if (clauses.length < 2) return null;
  const last = clauses[clauses.length - 1];
  return /[?？]\s*$/u.test(text) || tokenize(last).some(isQuestionWord) ? last : null;
}

/**
 * The questions of a message that asks two or more, each ended by its question mark ("你们客服电话是多少？周末打得通吗" →
 * "你们客服电话是多少？", "周末打得通吗"), or null for a message of one question. Read together, each one's words thin out how
 * much of the message any answer covers.
 */
export function separateQuestions(text: string): string[] | null {
  const parts = text.split(/(?<=[?？])\s*/u).map((part) => part.trim()).filter((part) => /\p{L}/u.test(part));
  return parts.length >= 2 ? parts : null;
}

/**
 * How a sentence asks: a question mark; an English one opened by a question word or an auxiliary ("also when will the
 * refund show up", "and do you ship to iceland"); a Chinese one ending in a question particle or asking with a question
 * word ("周末打得通吗", "运费多少"). "I'm usually a 9.5 but I have wide feet" tells, it does not ask.
 */
const ASKS = /[?？]\s*$|^(?:(?:and|also|or|plus|but|so)\s+)?(?:what|how|when|where|why|which|who|whats|hows|can|could|would|will|do|does|did|is|are|should|may)\b|[吗呢么嘛][!！。.]*$|怎么|什么|多少|多久|几[点天号个次]|哪|为什么|能不能|可不可以|是不是|是否|有没有/iu;

/** Whether one of a message's sentences asks something (see ASKS), rather than telling. */
export const asksSomething = (sentence: string): boolean => ASKS.test(sentence.trim());

/**
 * The question at the end of a story ("We had a power cut while I was paying … now I see two charges on my bank
 * app. what should I do" → "now I see two charges on my bank app, what should I do"): the last clauses, as few as
 * say what the question is about (two words besides question words). The story's other words thin out how much of
 * the message any answer covers. Null when the message is no story, or its end is the whole of it.
 */
export function questionAtEnd(text: string): string | null {
  const han = (text.match(/[\u4e00-\u9fff]/g) ?? []).length;
  if (han ? han < STORY_MIN_HAN : text.split(/\s+/).length < STORY_MIN_WORDS) return null;
  const clauses = clausesOf(text, CLAUSE_BREAK);
  for (let start = clauses.length - 1; start > 0; start--) {
    const tail = clauses.slice(start).join(', ').replace(/^(?:and|but|so|because)\s+|^(?:但是|可是|所以|结果)/iu, '');
    if (tokenize(tail).filter((w) => !isQuestionWord(w)).length >= TOPIC_WORDS) return tail;
  }
  return null;
}
