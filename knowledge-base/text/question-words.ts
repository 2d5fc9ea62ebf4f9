// Question and request words say how someone asks, not what about: they still rank (they help tell
// "how long" from "how much") but do not count towards a passage's confidence, the help centre's title
// boost, or whether a product page covers a question. Stemmed forms.
const QUESTION_WORDS = new Set([
  'what', 'about', 'how', 'can', 'could', 'would', 'will', 'where', 'when', 'why', 'which', 'who', 'there',
  'have', 'has', 'get', 'take', 'tell', 'know', 'want', 'need', 'much', 'mani', 'until', 'someth', 'anyth',
  // "Do you sell / carry …": in a shop, the thing asked about is the topic, not the selling.
  'sell', 'carri',
  // "When will my refund come?": the refund is the topic; "come" alone had the account-deletion article ("come
  // back") cover more of the question than the refund article.
  'come',
  // "Is it good for running?" asks whether it suits, not about goods: the shop's name ("Northwind Goods") stems to it.
  'good',
  '吗', '怎么', '什么', '怎么办', '如何', '可以', '能', '能不能', '想', '要', '需要', '吧', '哪', '为什么', '多少',
  '哪里', '哪儿', '哪个', '哪些', '几', '几点', '多久', '是否', '能否', '还能', '该', '应该', '怎样', '怎么样', '会',
  '有', '有没有', '问', '一下', '怎么回事',
  // "在哪看" (where do I see it) asks where, as "哪里" does; jieba keeps "我想" (I want) as one word, like "想".
  '看', '我想',
  // "Can you help me …" asks for something; the help is not what about ("help me file my taxes" had the warranty
  // article's "under Help" and "file a warranty claim" cover most of it).
  'help',
]);

/**
 * Terms left out of a passage's confidence: question words, and Chinese bigrams (they repeat what the
 * segmented words already say; counting both would make a one-word question look fully specific).
 */
export const isQuestionWord = (term: string) => QUESTION_WORDS.has(term) || term.startsWith('#');
