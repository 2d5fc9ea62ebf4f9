// The /demo page: a product page of a fictional shop, "Northwind Goods", with
// the widget embedded by its one script tag. Its stylesheet is deliberately
// heavy-handed (global button, font and box rules) to show the widget's shadow
// DOM keeps the shop's CSS out. No third-party assets; its one inline script
// (nonce'd) plays the shop's part: identify() for a demo shopper, reset() on sign-out.
import { FAVICON } from '../../server/http/favicon.ts';

const escapeAttr = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface DemoShopper {
  userId: string;
  name: string;
  email: string | null;
  orders: string[];
}

export interface DemoPageOptions {
  siteKey: string;
  lang?: 'en' | 'zh';
  position?: 'left' | 'right';
  /** CSP nonce of the page's one inline script (identify / reset). */
  nonce?: string;
  /** Demo shoppers one can sign in as, to try order status. */
  shoppers?: DemoShopper[];
  /** Signed in as this shopper; `hash` is null when no identity secret is set. */
  signedIn?: DemoShopper & { hash: string | null };
  /** Just signed out: the widget forgets the signed-in chat. */
  signOut?: boolean;
}

/** Inline JSON that cannot close its script element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The strip under the header: who you are on this demo shop, and how to switch. */
function accountBar(options: DemoPageOptions): { html: string; script: string } {
  const shoppers = options.shoppers ?? [];
  if (!shoppers.length) return { html: '', script: '' };
  const keep = options.lang ? `&lang=${options.lang}` : '';
  const signIn = shoppers.map((s) => `<a href="/demo?customer=${encodeURIComponent(s.userId)}${keep}">${escapeAttr(s.name)}</a>`).join(' · ');
  const who = options.signedIn;
  if (!who) {
    const html = `<div class="account">Try the chat: “Is it waterproof?”, “What colours does it come in?”, “How long does shipping to Germany take?”, “I want to talk to a person”.
    You are browsing as a guest; to ask about orders, sign in as a demo shopper: ${signIn}</div>`;
    // The shop's "log out": the widget must forget the signed-in shopper's chat on this browser.
    const guestUrl = options.lang ? `/demo?lang=${options.lang}` : '/demo';
    const script = options.signOut ? `Shopdesk.reset().then(() => history.replaceState(null, '', ${scriptJson(guestUrl)}));` : '';
    return { html, script };
  }
  const example = who.orders[who.orders.length - 1] ?? '';
  const unverified = who.hash ? '' : ' No identity secret is set (IDENTITY_SECRET or the widget settings), so the chat cannot verify this sign-in and will not show orders.';
  const html = `<div class="account">Signed in as <strong>${escapeAttr(who.name)}</strong>${who.email ? ` (${escapeAttr(who.email)})` : ''}, a demo shopper with orders ${escapeAttr(who.orders.join(', '))}.
    Ask the chat "Where is my order ${escapeAttr(example)}?".${unverified} <a href="/demo?signout=1${keep}">Sign out</a></div>`;
  const identity = { userId: who.userId, hash: who.hash ?? undefined, email: who.email ?? undefined, name: who.name };
  // The account bar says when the chat has taken the sign-in (a question asked before that goes as a guest's).
  return { html, script: `Shopdesk.identify(${scriptJson(identity)}).then(() => { document.querySelector('.account').dataset.chat = 'signed-in'; }, (e) => console.warn('[demo] sign-in:', e.message));` };
}

export function demoPage(options: DemoPageOptions): string {
  const account = accountBar(options);
  // The widget script is async: the page's own call runs once window.Shopdesk exists and is ready.
  const inline = account.script && options.nonce
    ? `<script nonce="${escapeAttr(options.nonce)}">window.addEventListener('shopdesk:ready', () => { ${account.script} }, { once: true });</script>`
    : '';
  const attrs = [`src="/widget.js"`, `data-site="${escapeAttr(options.siteKey)}"`];
  if (options.lang) attrs.push(`data-lang="${options.lang}"`);
  if (options.position) attrs.push(`data-position="${options.position}"`);
  const embed = `<script ${attrs.join(' ')} async></script>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="${FAVICON}">
<title>Harbor Canvas Tote — Northwind Goods</title>
<style>
  /* The shop's own styles, including broad rules a widget without isolation would inherit. */
  * { box-sizing: content-box; }
  body { margin: 0; font-family: Georgia, "Times New Roman", serif; color: #2b2118; background: #fbf7f0; line-height: 1.6; }
  button { font-family: Georgia, serif; text-transform: uppercase; letter-spacing: .15em; background: #7c2d12; color: #fff; border: 0; padding: 14px 28px; border-radius: 0; }
  div { line-height: 2; }
  header { display: flex; justify-content: space-between; align-items: center; padding: 18px 40px; background: #1f3a2e; color: #f5efe3; }
  header .brand { font-size: 24px; font-weight: bold; letter-spacing: .05em; }
  header nav a { color: #f5efe3; margin-left: 22px; text-decoration: none; }
  main { max-width: 1040px; margin: 40px auto; padding: 0 24px; display: grid; grid-template-columns: 1fr 1fr; gap: 48px; }
  .photo { background: #efe4d2; border-radius: 6px; display: grid; place-items: center; min-height: 420px; }
  .crumbs { font-size: 14px; color: #6b5b4b; }
  h1 { font-size: 36px; margin: 8px 0; }
  .price { font-size: 26px; color: #7c2d12; }
  .colors label { margin-right: 14px; }
  section.details { grid-column: 1 / -1; border-top: 1px solid #d9cbb5; padding-top: 24px; }
  .account { background: #efe4d2; color: #2b2118; padding: 10px 40px; font-size: 15px; line-height: 1.5; }
  .account a { color: #7c2d12; }
  footer { text-align: center; padding: 30px; color: #6b5b4b; font-size: 14px; }
  @media (max-width: 760px) { main { grid-template-columns: 1fr; } header { padding: 14px 18px; flex-wrap: wrap; gap: 6px; } header nav a { margin: 0 14px 0 0; } }
</style>
</head>
<body>
<header>
  <span class="brand">Northwind Goods</span>
  <nav><a href="/demo">Bags</a><a href="/demo">Home</a><a href="/demo">Outdoor</a><a href="/help">Help</a><a href="/demo">Cart (0)</a></nav>
</header>
${account.html}
<main>
  <div class="photo" aria-hidden="true">
    <svg width="260" height="300" viewBox="0 0 260 300">
      <path d="M70 95 Q70 30 130 30 Q190 30 190 95" fill="none" stroke="#5b3a1e" stroke-width="12"/>
      <rect x="30" y="90" width="200" height="190" rx="14" fill="#c8a97e"/>
      <rect x="30" y="90" width="200" height="40" fill="#b48f5f"/>
      <text x="130" y="215" text-anchor="middle" font-family="Georgia" font-size="22" fill="#5b3a1e">NORTHWIND</text>
    </svg>
  </div>
  <div>
    <div class="crumbs">Home › Bags › Totes</div>
    <h1>Harbor Canvas Tote</h1>
    <p class="price">$48.00</p>
    <p>A roomy everyday tote in 18&nbsp;oz waxed cotton canvas with leather handles and an inner zip pocket.
       Shrugs off drizzle, fits a 15" laptop, and gets better with age.</p>
    <p class="colors">Colour:
      <label><input type="radio" name="color" checked> Sand</label>
      <label><input type="radio" name="color"> Forest</label>
      <label><input type="radio" name="color"> Charcoal</label>
    </p>
    <button type="button">Add to cart</button>
    <p>Free US shipping on orders of $50 or more · 30-day returns</p>
  </div>
  <section class="details">
    <h2>Details</h2>
    <ul>
      <li>Dimensions: 40 × 34 × 14 cm; handle drop 25 cm</li>
      <li>Waxed cotton canvas, vegetable-tanned leather, brass rivets</li>
      <li>Wipe clean with a damp cloth; re-wax once a year</li>
    </ul>
    <h2>Shipping &amp; returns</h2>
    <p>Orders placed before 2 pm ship the same working day. Standard delivery takes 3–5 working days.
       Unused items can be returned within 30 days for a full refund.</p>
    <p>Questions about your order? Use the chat button in the corner.</p>
  </section>
</main>
<footer>Northwind Goods is a fictional shop used to demonstrate the Shopdesk chat widget.</footer>
${inline}
${embed}
</body>
</html>
`;
}
