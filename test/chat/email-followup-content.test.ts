// The follow-up email's words: files by name with their links, escaping, the shopper's language, a masked address.
import { describe, expect, it } from 'vitest';
import { followupEmail, maskedAddress } from '../../server/services/email-followup-content.ts';
import { traditionalConverter } from '../../server/services/chinese-script.ts';

const base = {
  shopName: 'Northwind & Co',
  locale: 'en',
  continueUrl: 'https://shop.example/cart#shopdesk-chat',
  unsubscribeUrl: 'https://chat.example/api/email/unsubscribe?token=1.ab',
  publicUrl: 'https://chat.example/',
};
const file = { id: 7, name: 'label <1>.pdf', contentType: 'application/pdf', size: 1200, url: '/api/attachments/7/key/label%20%3C1%3E.pdf' };

describe('follow-up email content', () => {
  it('links a file sent alone by its name, on the chat server, and escapes every name in the HTML', () => {
    const email = followupEmail({ ...base, replies: [{ agentName: 'Sam Agent', text: '📎 label <1>.pdf', fileOnly: true, attachments: [file] }] });
    expect(email.subject).toBe('New reply from Northwind & Co');
    expect(email.text).toContain('Sam sent you a file:\n  label <1>.pdf: https://chat.example/api/attachments/7/key/label%20%3C1%3E.pdf');
    expect(email.text).not.toContain('📎'); // the file's name is its text: not repeated as a message
    expect(email.html).toContain('<a href="https://chat.example/api/attachments/7/key/label%20%3C1%3E.pdf">label &lt;1&gt;.pdf</a>');
    expect(email.html).toContain('Northwind &amp; Co');
    expect(email.html).not.toMatch(/<1>/);
  });

  it('ignores a file link that is not the chat server\'s own, and writes to a Chinese shopper in Chinese', () => {
    const email = followupEmail({ ...base, locale: 'zh-CN', replies: [{ agentName: null, text: '已为您退款', fileOnly: false, attachments: [{ ...file, url: 'https://evil.example/x' }] }] });
    expect(email.subject).toBe('Northwind & Co 回复了您');
    expect(email.text).toContain('客服：\n  已为您退款');
    expect(email.text).not.toContain('evil.example');
    expect(email.text).toContain('继续聊天：https://shop.example/cart#shopdesk-chat');
  });

  it("writes to a shopper in Taiwan in Traditional, quoting the agent's reply and names as written", async () => {
    const convert = await traditionalConverter('zh-TW');
    const email = followupEmail({ ...base, shopName: '北风好物', locale: 'zh-TW', replies: [{ agentName: null, text: '已为您退款', fileOnly: false, attachments: [] }] },
      { tag: 'zh-TW', convert });
    expect(email.subject).toBe('北风好物回覆了您'); // the email's words converted, the shop's name as the shop writes it
    expect(email.text).toContain('客服：\n  已为您退款'); // the agent's words, not rewritten
    expect(email.text).toContain('繼續聊天：https://shop.example/cart#shopdesk-chat');
    expect(email.text).toContain('不再接收聊天回覆郵件');
    expect(email.html).toContain('<html lang="zh-TW">');
    // An English reader is not touched by it.
    expect(followupEmail({ ...base, replies: [] }, { tag: 'zh-TW', convert }).subject).toBe('New reply from Northwind & Co');
  });

  it('tells a shopper signed in to the shop why they get it without saying they left an address', () => {
    const reply = { agentName: 'Sam', text: 'Done', fileOnly: false, attachments: [] };
    expect(followupEmail({ ...base, replies: [reply] }).text).toContain('you chatted with Northwind & Co and left your email address.');
    const signedIn = followupEmail({ ...base, identified: true, replies: [reply] });
    expect(signedIn.text).toContain('you chatted with Northwind & Co while signed in to your account.');
    expect(signedIn.html).not.toContain('left your email address');
    expect(followupEmail({ ...base, locale: 'zh', identified: true, replies: [reply] }).text).toContain('登录账户后');
  });

  it('lists the products under the reply, only http(s) links, every name escaped in the HTML', () => {
    const products = [
      { sku: 'T', name: 'Tote <b>blue</b>', price: '$48.00', url: 'https://shop.example/tote' },
      { sku: 'M', name: 'Mug', url: 'javascript:alert(1)' },
    ];
    const email = followupEmail({ ...base, replies: [{ agentName: 'Sam', text: 'These?', fileOnly: false, attachments: [], products }] });
    expect(email.text).toContain('  These?\n  · Tote <b>blue</b> — $48.00 — https://shop.example/tote\n  · Mug\n');
    expect(email.html).toContain('<ul><li><a href="https://shop.example/tote">Tote &lt;b&gt;blue&lt;/b&gt;</a> — $48.00</li><li>Mug</li></ul>');
    expect(email.text + email.html).not.toContain('javascript:');
  });

  it('masks the address in the agents\' note', () => {
    expect(maskedAddress('sofia.reyes@example.com')).toBe('s…@example.com');
    expect(maskedAddress('broken')).toBe('…');
  });
});
