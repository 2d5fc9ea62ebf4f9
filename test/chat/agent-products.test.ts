// Products an agent attaches to a reply: only SKUs of the shop's catalogue, at most three, everything the shopper
// sees copied from the catalogue on the server (a name, link or price the console sends is ignored), listed in the
// transcript; the agent's product search reads the catalogue with its price and stock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { productsRepository } from '../../knowledge-base/repositories/products.ts';

let stack: TestStack;
let agent: AgentClient;
let agentToken: string;
let shopper: WidgetClient;
let shopperToken: string;
let conversationId: number;

beforeAll(async () => {
  stack = await startStack();
  await productsRepository(stack.env.sql).save([
    { sku: 'R10-TOTE-BLUE', name: 'Harbor Tote, blue', url: 'https://shop.example/products/tote-blue', priceCents: 4800, currency: 'USD', inStock: true },
    { sku: 'R10-TOTE-SAND', name: 'Harbor Tote, sand', url: 'https://shop.example/products/tote-sand', priceCents: 4800, currency: 'USD', inStock: false },
    { sku: 'R10-MUG', name: 'Enamel Mug', url: null, priceCents: null },
    // A page on the shop's own site, as the demo feed gives it: the card links to it on the public URL.
    { sku: 'R10-ODD', name: 'Odd Scarf', url: '/products/scarf', priceCents: 1500, currency: 'EUR' },
  ]);
  agentToken = (await login(stack.url, stack.agent.email, stack.agent.password)).token;
  agent = await connectAgent(stack.url, agentToken);
  const session = await widgetSession(stack.url);
  shopperToken = session.visitorToken;
  shopper = await connectWidget(stack.url, shopperToken);
  ({ conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'ask', text: 'Do you have the tote in blue?' }));
});
afterAll(async () => {
  agent?.close();
  shopper?.close();
  await stack?.close();
});

const storedProducts = async (clientId: string) =>
  (await stack.env.sql<{ metadata: { products?: unknown } }[]>`select metadata from messages where client_id = ${clientId}`)[0]?.metadata.products;

describe('products on an agent reply', () => {
  it("copies name, link, price and stock from the catalogue, ignoring what the console sent, and the shopper gets them", async () => {
    const received = nextEvent<{ text: string; metadata: { products?: unknown } }>(shopper, 'message:new', (m) => m.text === 'Here it is!');
    await callOk(agent, 'message:send', {
      conversationId, clientId: 'with-products', text: 'Here it is!',
      products: [{ sku: 'R10-TOTE-BLUE', name: 'FREE TOTE', url: 'https://evil.example/', price: '$0.00' }, { sku: 'R10-MUG' }, { sku: 'R10-ODD' }],
    });
    const expected = [
      { sku: 'R10-TOTE-BLUE', name: 'Harbor Tote, blue', url: 'https://shop.example/products/tote-blue', price: '$48.00', inStock: true },
      { sku: 'R10-MUG', name: 'Enamel Mug' },
      { sku: 'R10-ODD', name: 'Odd Scarf', url: `${stack.env.config.publicUrl.replace(/\/$/, '')}/products/scarf`, price: '€15.00' },
    ];
    expect(await storedProducts('with-products')).toEqual(expected);
    expect((await received).metadata.products).toEqual(expected);
  });

  it('refuses an unknown SKU, more than three products, and products on a private note, storing nothing', async () => {
    const unknown = await call(agent, 'message:send', { conversationId, clientId: 'unknown-sku', text: 'Try this', products: [{ sku: 'R10-TOTE-BLUE' }, { sku: 'NO-SUCH-SKU' }] });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_product', message: 'No product with SKU "NO-SUCH-SKU" in the catalogue.', params: { name: 'NO-SUCH-SKU' } } });

    const four = ['R10-TOTE-BLUE', 'R10-TOTE-SAND', 'R10-MUG', 'R10-ODD'].map((sku) => ({ sku }));
    const tooMany = await call(agent, 'message:send', { conversationId, clientId: 'too-many', text: 'All of them', products: four });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect((tooMany as { error: { message: string } }).error.message).toMatch(/products.*(3|fewer|more)/i);
    // The same SKU four times is one product: the cap counts products, not list entries.
    await callOk(agent, 'message:send', { conversationId, clientId: 'same-sku', text: 'Blue', products: [{ sku: 'R10-TOTE-BLUE' }, { sku: 'R10-TOTE-BLUE' }] });
    expect(await storedProducts('same-sku')).toHaveLength(1);

    const note = await call(agent, 'message:send', { conversationId, clientId: 'note-products', text: 'For later', private: true, products: [{ sku: 'R10-MUG' }] });
    expect(note).toMatchObject({ ok: false, error: { code: 'products_in_note' } });

    const junk = await call(agent, 'message:send', { conversationId, clientId: 'junk', text: 'x', products: [{ sku: '' }] });
    expect(junk).toMatchObject({ ok: false, error: { code: 'validation' } });
    const extra = await call(agent, 'message:send', { conversationId, clientId: 'extra', text: 'x', products: [{ sku: 'R10-MUG', html: '<b>' }] });
    expect(extra).toMatchObject({ ok: false, error: { code: 'validation' } });

    const stored = await stack.env.sql`select client_id from messages where client_id in ('unknown-sku', 'too-many', 'note-products', 'junk', 'extra')`;
    expect(stored).toEqual([]);
  });

  it("answers a resend of a stored reply whose product has left the feed since, as the reply the shopper has", async () => {
    await productsRepository(stack.env.sql).save([{ sku: 'R10-GONE', name: 'Last Season Cap', url: 'https://shop.example/products/cap', priceCents: 900, currency: 'USD' }]);
    const first = await callOk<{ id: number; duplicate: boolean }>(agent, 'message:send', { conversationId, clientId: 'gone-later', text: 'This cap?', products: [{ sku: 'R10-GONE' }] });
    await stack.env.sql`delete from products where sku = 'R10-GONE'`;
    // The ack was lost: the console sends the same message again.
    const again = await callOk<{ id: number; duplicate: boolean }>(agent, 'message:send', { conversationId, clientId: 'gone-later', text: 'This cap?', products: [{ sku: 'R10-GONE' }] });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(await storedProducts('gone-later')).toEqual([{ sku: 'R10-GONE', name: 'Last Season Cap', url: 'https://shop.example/products/cap', price: '$9.00' }]);
    // A new message with it is refused.
    const fresh = await call(agent, 'message:send', { conversationId, clientId: 'gone-new', text: 'This cap?', products: [{ sku: 'R10-GONE' }] });
    expect(fresh).toMatchObject({ ok: false, error: { code: 'unknown_product' } });
  });

  it('lists the products under the message in both transcripts', async () => {
    const team = await (await fetch(`${stack.url}/api/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${agentToken}` } })).text();
    const shoppers = await (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${shopperToken}` } })).text();
    for (const transcript of [team, shoppers]) {
      expect(transcript).toMatch(/: Here it is!\n {2}· Harbor Tote, blue — https:\/\/shop\.example\/products\/tote-blue\n {2}· Enamel Mug\n {2}· Odd Scarf — http\S+\/products\/scarf\n/);
      expect(transcript).not.toContain('FREE TOTE');
    }
  });

  it('searches the catalogue by name or SKU for agents, with price and stock; not for anyone else', async () => {
    const search = async (q: string) => (await (await fetch(`${stack.url}/api/products?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${agentToken}` } })).json()) as { items: { sku: string }[] };
    const totes = await search('harbor tote');
    expect(totes.items.map((p) => p.sku).sort()).toEqual(['R10-TOTE-BLUE', 'R10-TOTE-SAND']);
    expect((await search('r10-tote-sand')).items).toEqual([
      { sku: 'R10-TOTE-SAND', name: 'Harbor Tote, sand', url: 'https://shop.example/products/tote-sand', price: '$48.00', inStock: false },
    ]);
    expect((await search('%')).items.map((p) => p.sku)).toEqual([]); // a wildcard is a character, not "everything"
    const tooLong = await fetch(`${stack.url}/api/products?q=${'a'.repeat(201)}`, { headers: { authorization: `Bearer ${agentToken}` } });
    expect(tooLong.status).toBe(400);
    expect((await fetch(`${stack.url}/api/products?q=tote`)).status).toBe(401);
    expect((await fetch(`${stack.url}/api/products?q=tote`, { headers: { authorization: `Bearer ${shopperToken}` } })).status).toBe(401);
  });
});
