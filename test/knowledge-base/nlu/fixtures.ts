// A small bilingual (English + Chinese) shop intent set written for these tests,
// plus paraphrases that are NOT in the training examples and sentences no shop
// intent covers.
import type { IntentDefinition } from '../../../knowledge-base/nlu.ts';

export const SHOP_INTENTS: IntentDefinition[] = [
  {
    name: 'order_status',
    examples: [
      'where is my order', 'has my package shipped yet', 'track my parcel', 'when will my order arrive',
      'my delivery is late', 'order status please', 'I want to know where my shipment is',
      '我的订单到哪里了', '查一下我的快递', '包裹什么时候到', '订单状态', '物流信息怎么查', '我的货还没到',
    ],
  },
  {
    name: 'return_item',
    examples: [
      'I want to return this item', 'how do I send something back', 'return policy', 'can I return shoes that do not fit',
      'start a return', 'the product is damaged and I want to return it', 'how many days do I have to return',
      '我想退货', '怎么退货', '退货政策是什么', '鞋子不合适可以退吗', '收到的商品坏了要退', '几天内可以退货',
    ],
  },
  {
    name: 'refund_status',
    examples: [
      'where is my refund', 'when will I get my money back', 'refund has not arrived', 'how long does a refund take',
      'I returned it but no refund yet', 'check refund status', 'money back to my card',
      '退款什么时候到账', '我的退款呢', '退款要多久', '钱还没退回来', '查询退款进度', '退款到信用卡要几天',
    ],
  },
  {
    name: 'change_address',
    examples: [
      'change my shipping address', 'I moved and need a new delivery address', 'update the address on my order',
      'wrong address on the order', 'can you ship to a different address', 'edit delivery address',
      '修改收货地址', '我想换个地址', '地址填错了', '更改配送地址', '订单地址能改吗', '送到另一个地址',
    ],
  },
  {
    name: 'payment_methods',
    examples: [
      'which payment methods do you accept', 'can I pay with paypal', 'do you take credit cards', 'pay by bank transfer',
      'is apple pay supported', 'payment options', 'can I pay cash on delivery',
      '支持哪些支付方式', '可以用支付宝吗', '能用微信支付吗', '可以货到付款吗', '信用卡能用吗', '怎么付款',
    ],
  },
];

/** Unseen paraphrases with the intent they mean. */
export const PARAPHRASES: [string, string][] = [
  ['has my parcel been shipped', 'order_status'],
  ['when does my package arrive', 'order_status'],
  ['我的包裹到哪了', 'order_status'],
  ['how can I return a damaged product', 'return_item'],
  ['我要退货怎么办', 'return_item'],
  ['how long until my refund arrives', 'refund_status'],
  ['退款到账要多久', 'refund_status'],
  ['please change the delivery address', 'change_address'],
  ['收货地址填错了怎么改', 'change_address'],
  ['do you accept paypal', 'payment_methods'],
  ['能用支付宝付款吗', 'payment_methods'],
];

/** Nothing a shop intent covers. */
export const OUT_OF_SCOPE: string[] = [
  'what is the capital of mongolia',
  'tell me a joke about penguins',
  'who won the football match yesterday',
  '今天北京天气怎么样',
  '给我讲个笑话',
  'recommend a good science fiction novel',
];
