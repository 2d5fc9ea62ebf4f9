// The new words of an email reply, in the quoting shapes of common mail clients.
import { describe, expect, it } from 'vitest';
import { capText, MAX_REPLY_SCAN_CHARS, newTextOfReply, withoutImagePlaceholders } from '../../server/services/email-reply-text.ts';
import { loadConfig, ConfigError } from '../../server/config.ts';
import { describeInboundEmail } from '../../server/services/mailer.ts';
import { messageIdsIn, replyToAddress, replyTokensIn, replyToken, verifyReplyToken } from '../../server/services/email-reply-address.ts';
import { envelopeAddressesIn, MAX_HTML_SCAN_CHARS, scannedHtml } from '../../server/services/email-inbound.ts';

describe('newTextOfReply', () => {
  it('keeps the words above a Gmail attribution, also when it wraps onto a second line', () => {
    expect(newTextOfReply('Yes please.\r\n\r\nOn Fri, 4 Dec 2026 at 10:02, Northwind Goods <no-reply@shop.example> wrote:\r\n> Hello')).toBe('Yes please.');
    expect(newTextOfReply('Yes please.\n\nOn Fri, 4 Dec 2026 at 10:02, Northwind Goods <\nno-reply@shop.example> wrote:\n\n> Hello')).toBe('Yes please.');
  });

  it('does not take an ordinary sentence starting with "On" for an attribution', () => {
    expect(newTextOfReply('On Monday I am at home.\nAfter that, any day.')).toBe('On Monday I am at home.\nAfter that, any day.');
  });

  it('stops at Chinese and Outlook quote headers', () => {
    expect(newTextOfReply('可以，谢谢\n\n在 2026年12月4日 周五 10:02，Northwind Goods <no-reply@shop.example> 写道：\n> 您好')).toBe('可以，谢谢');
    expect(newTextOfReply('Fine by me.\n\n-----Original Message-----\nFrom: Northwind Goods\nSent: Friday\n\nHello')).toBe('Fine by me.');
    expect(newTextOfReply('Fine by me.\n________________________________\nFrom: Northwind Goods <no-reply@shop.example>\nSent: Friday, 4 December 2026 10:02\nTo: me\n\nHello')).toBe('Fine by me.');
    expect(newTextOfReply('好的\n\n发件人: Northwind Goods\n发送时间: 2026年12月4日\n收件人: 我')).toBe('好的');
  });

  it('stops at German and French Outlook header blocks, but not at a lone "An:" or "De :" line of the shopper\'s', () => {
    expect(newTextOfReply('Danke\n\nVon: Northwind Goods <no-reply@shop.example>\nGesendet: Freitag, 4. Dezember 2026 10:02\nAn: a@b.c\nBetreff: x\n\nHallo')).toBe('Danke');
    expect(newTextOfReply('Merci\n\nDe : Northwind Goods <no-reply@shop.example>\nEnvoyé : vendredi 4 décembre 2026 10:02\nÀ : a@b.c\nObjet : x\n\nBonjour')).toBe('Merci');
    expect(newTextOfReply('De : ma part, merci.\nBonne journée')).toBe('De : ma part, merci.\nBonne journée');
    // A shopper's own "from … to …" pair (an address to change) is no header block: nothing says a mail was sent.
    const move = 'Por favor cambien la dirección de entrega:\nDe: Calle Mayor 1, Madrid\nA: Calle Luna 5, Sevilla\nEl pedido es 1234. Gracias.';
    expect(newTextOfReply(move)).toBe(move);
    const verhuizing = 'Graag het adres wijzigen.\nVan: Dorpsstraat 1, Utrecht\nAan: Kerkweg 7, Delft\nBestelling 1234.';
    expect(newTextOfReply(verhuizing)).toBe(verhuizing);
  });

  it('stops at a rule of dashes (an HTML reply\'s <hr>) right above a header block or an attribution, and keeps one between the shopper\'s lines', () => {
    const rule = '-'.repeat(80);
    expect(newTextOfReply(`Thanks, that works.\n\n${rule}\n\nFrom: Northwind Goods <no-reply@shop.example>\nSent: Friday\nTo: me\n\nHello`)).toBe('Thanks, that works.');
    expect(newTextOfReply(`Thanks.\n${rule}\nOn Fri, 4 Dec 2026 at 10:02, Northwind Goods <no-reply@shop.example> wrote:\n> Hello`)).toBe('Thanks.');
    expect(newTextOfReply(`Order 1: blue\n${'-'.repeat(20)}\nOrder 2: red`)).toBe(`Order 1: blue\n${'-'.repeat(20)}\nOrder 2: red`);
  });

  it('stops at a Gmail attribution wrapped over three lines, which names an address', () => {
    const text = 'Fine thanks\r\n\r\nOn Fri, 4 Dec 2026 at 10:02, Northwind Goods Customer Service Team\r\n<no-reply-very-long-address@support.northwind-goods.example>\r\nwrote:\r\n\r\nUnquoted history\r\n';
    expect(newTextOfReply(text)).toBe('Fine thanks');
    // Without an address, the two lines above a "… wrote:" line are the shopper's own (that line ends the reply, as any does).
    expect(newTextOfReply('On Friday I asked\nwhat you had\nand you wrote:\nnothing yet')).toBe('On Friday I asked\nwhat you had');
  });

  it('drops signatures and quoted lines, keeping a reply written between quotes', () => {
    expect(newTextOfReply('See you.\n-- \nLena\n+49 30 1234')).toBe('See you.');
    expect(newTextOfReply('See you.\n--\nLena')).toBe('See you.');
    expect(newTextOfReply('See you.\n\nSent from my iPhone')).toBe('See you.');
    expect(newTextOfReply('> Which size?\nM, please.\n> Which colour?\nSand.')).toBe('M, please.\nSand.');
  });

  it('leaves nothing of an email that is only quotes or a signature', () => {
    expect(newTextOfReply('\n\n> Hello\n> again\n')).toBe('');
    expect(newTextOfReply('-- \nLena')).toBe('');
  });
});

// A shopper's email is anyone's text. These read megabytes the way a line-at-a-time reader must: in time that grows
// with the text (the test's own timeout is what a reader scanning on from every character would run into: half a
// megabyte of "schrieb" once held the server for 25 s), and with the right result.
describe('newTextOfReply on long text', () => {
  const MB = 1024 * 1024;

  it('keeps a 2 MB line of "schrieb" as the shopper\'s words, and still stops at the German attribution after it', () => {
    const long = 'schrieb '.repeat((2 * MB) / 8).trim();
    const text = `${long}\n\nAm Fr., 4. Dez. 2026 um 10:02 schrieb Northwind Goods <no-reply@shop.example>:\n> Hallo`;
    expect(newTextOfReply(text, text.length)).toBe(long);
  });

  it('reads long lines that start like an attribution ("On", "Am", "Le", "在"), and the long line after one, as words', () => {
    const long = (start: string) => `${start} ${'schrieb wrote a écrit 写道 '.repeat(MB / 25)}`.trim();
    for (const start of ['On', 'Am', 'Le', '在']) {
      const text = `${long(start)}\n${long('schrieb')}`;
      expect(newTextOfReply(text, text.length), start).toBe(text);
    }
    // A short "On …" line whose long next line ends like an attribution is no wrapped attribution either.
    const wrapped = `On Friday, I asked\n${'x'.repeat(MB)} wrote:`;
    expect(newTextOfReply(wrapped, wrapped.length)).toBe(wrapped);
  });

  it('reads the first 200,000 characters of a reply, up to the end of a line, and keeps every character a chat message can hold', () => {
    expect(MAX_REPLY_SCAN_CHARS).toBeGreaterThanOrEqual(2 * 100_000); // twice the highest MAX_MESSAGE_CHARS
    const pasted = `Here is the log you asked for.\n${'2026-12-04 10:02:11 GET /checkout 500\n'.repeat((2 * MB) / 38)}`;
    const read = newTextOfReply(pasted);
    expect(read.length).toBeLessThanOrEqual(MAX_REPLY_SCAN_CHARS);
    expect(read.length).toBeGreaterThan(MAX_REPLY_SCAN_CHARS - 40);
    expect(read.startsWith('Here is the log you asked for.\n2026-12-04 10:02:11 GET /checkout 500\n')).toBe(true);
    expect(read.endsWith('GET /checkout 500')).toBe(true); // no half line
    // The longest chat message (100,000 characters) written below 90,000 characters of quoted lines is kept whole.
    const own = 'word '.repeat(20_000).trim();
    expect(newTextOfReply(`${'> It left this morning.\n'.repeat(90_000 / 24)}${own}`)).toBe(own);
  });
});

describe('withoutImagePlaceholders', () => {
  const images = [{ fileName: 'box.png', cid: 'ii_box1' }, { fileName: 'image001.png', cid: 'image001.png@01DB4A2B.5C3D1E00' }];

  it('drops the lines mail clients write for the body\'s images, and the Content-ID reference an <img> becomes, keeping the words around it', () => {
    expect(withoutImagePlaceholders('Here is the damaged box:\n[image: box.png]\n\nThanks', images)).toBe('Here is the damaged box:\n\nThanks');
    expect(withoutImagePlaceholders('See below\n[cid:image001.png@01DB4A2B.5C3D1E00]', images)).toBe('See below');
    expect(withoutImagePlaceholders('box.png [cid:ii_box1]', images)).toBe('');
    expect(withoutImagePlaceholders('The dent: [cid:ii_box1] on the lid', images)).toBe('The dent:  on the lid');
  });

  it('leaves placeholders of other images, and words that only look like one', () => {
    expect(withoutImagePlaceholders('[image: other.png]\n[cid:else@x]', images)).toBe('[image: other.png]\n[cid:else@x]');
    expect(withoutImagePlaceholders('[image: box.png]', [])).toBe('[image: box.png]');
  });
});

describe('scannedHtml', () => {
  it('reads from the <body> on, at most MAX_HTML_SCAN_CHARS, and ends before a tag rather than inside one', () => {
    const head = `<html><head><style>${'p { margin: 0 } '.repeat(20_000)}</style></head>`;
    expect(scannedHtml(`${head}<body><p>Hi</p></body></html>`)).toBe('<body><p>Hi</p></body></html>');
    const long = scannedHtml(`<body>${'<p>word word</p>'.repeat(MAX_HTML_SCAN_CHARS)}`);
    expect(long.length).toBeLessThanOrEqual(MAX_HTML_SCAN_CHARS);
    expect(long.length).toBeGreaterThan(MAX_HTML_SCAN_CHARS - 20);
    expect(long.endsWith('</p>') || long.endsWith('word')).toBe(true);
    expect(scannedHtml('<p>short</p>')).toBe('<p>short</p>');
  });
});

describe('capText', () => {
  it('cuts at the limit with an ellipsis, never through an emoji', () => {
    expect(capText('short', 10)).toBe('short');
    expect(capText('abcdefghijkl', 10)).toBe('abcdefghi…');
    const cut = capText(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(cut.length).toBeLessThanOrEqual(10);
  });
});

describe('reply addresses', () => {
  const config = { inboundEmailAddress: 'replies@support.example.com' };
  it('signs the conversation into a tagged address that fits a mailbox name, and reads it back case-insensitively', () => {
    const address = replyToAddress(config, 'secret', 1234567)!;
    expect(address).toMatch(/^replies\+1234567-[0-9a-f]{20}@support\.example\.com$/);
    expect(address.split('@')[0].length).toBeLessThanOrEqual(64);
    const [token] = replyTokensIn(config, ['someone@example.com', address.toUpperCase()]);
    expect(verifyReplyToken('secret', token)).toBe(1234567);
    expect(verifyReplyToken('another secret', token)).toBeNull();
    expect(verifyReplyToken('secret', replyToken('secret', 7).replace(/^7-/, '8-'))).toBeNull();
    expect(replyToAddress({ inboundEmailAddress: '' }, 'secret', 1)).toBeNull();
  });

  it('reads the Message-IDs of In-Reply-To and References', () => {
    expect(messageIdsIn(['<a@x>', '<b@x>\r\n <c@x>', undefined])).toEqual(['<a@x>', '<b@x>', '<c@x>']);
  });
});

describe('envelope recipients (Delivered-To, X-Original-To)', () => {
  it('reads the addresses an MTA writes, bracketed or bare, and nothing that has no "@" inside it', () => {
    expect(envelopeAddressesIn('Delivered-To: replies+12-abc@support.example.com')).toEqual(['replies+12-abc@support.example.com']);
    expect(envelopeAddressesIn('X-Original-To: <a@x.example>, "b@y.example"; c@z.example')).toEqual(['a@x.example', 'b@y.example', 'c@z.example']);
    expect(envelopeAddressesIn('Delivered-To: @x.example, a@, plain, a@b')).toEqual(['a@b']);
  });

  it('reads a 2 MB header from a stranger in time that grows with its length, and takes no address from a header that long', () => {
    // A reader scanning on from every character held the server for 12 s on 100 KB without an "@" (the test's
    // own timeout catches that); an MTA never writes a header anywhere near this long.
    expect(envelopeAddressesIn(`Delivered-To: ${'a'.repeat(2 * 1024 * 1024)}`)).toEqual([]);
    expect(envelopeAddressesIn(`Delivered-To: ${'a'.repeat(2 * 1024 * 1024)} replies+12-abc@support.example.com`)).toEqual([]);
    // Nor a piece longer than any address can be (320 characters).
    expect(envelopeAddressesIn(`Delivered-To: ${'a'.repeat(400)}@support.example.com b@c.example`)).toEqual(['b@c.example']);
  });
});

describe('inbound email settings', () => {
  it('takes a plain address with a short mailbox name and a secret of at least 16 characters, and says so in the start log', () => {
    const config = loadConfig({ INBOUND_EMAIL_ADDRESS: 'replies@support.example.com', INBOUND_EMAIL_SECRET: 'a'.repeat(16) });
    expect(describeInboundEmail(config)).toBe('Inbound email: on, POST /api/email/inbound, matched by replies to replies+<conversation>@support.example.com or In-Reply-To');
    expect(describeInboundEmail(loadConfig({}))).toMatch(/^Inbound email: off/);
    // A "+" of its own, or a name so long that the tagged address would not fit 64 characters, is refused at start.
    for (const address of ['replies+x@support.example.com', `${'r'.repeat(21)}@support.example.com`, 'replies']) {
      expect(() => loadConfig({ INBOUND_EMAIL_ADDRESS: address })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ INBOUND_EMAIL_SECRET: 'short' })).toThrow(/INBOUND_EMAIL_SECRET/);
  });
});
