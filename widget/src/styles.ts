// The widget's stylesheet, scoped by its shadow root. The shop's rules can still
// reach the host element itself (and through it, inherited properties), so the
// host is reset with !important (inside a shadow tree, important wins over the
// page) and .root sets every inherited property the widget relies on.
/**
 * Gives the shadow root its stylesheet. A constructed sheet (adoptedStyleSheets) comes from script, so a shop page whose
 * Content-Security-Policy has style-src without 'unsafe-inline' still applies it; a <style> element would be blocked
 * there and the widget would show as bare buttons. Browsers without constructable sheets (Safari before 16.4) get the
 * <style> element, which works wherever the shop's policy allows inline styles.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch {
      // Defensive: an engine that lists the property but refuses the constructor gets the <style> element below.
    }
  }
  const style = document.createElement('style');
  style.textContent = css;
  root.prepend(style);
}

/**
 * Below this width, or on a short touch screen (a phone held sideways: 667 × 375), the panel covers the whole page
 * (and view.ts treats it as a modal dialog, locks the page's scrolling and follows the visual viewport). A short
 * desktop window with a mouse keeps the floating panel.
 */
export const FULL_SCREEN_QUERY = '(max-width:480px),(max-height:500px) and (pointer:coarse)';
/** A touch screen: bigger targets (44 px), and opening the chat does not pop the keyboard up (view.ts). */
export const TOUCH_QUERY = '(pointer:coarse)';
/**
 * Below this height (a phone with its keyboard up, a landscape phone, 400 % zoom) the panel's fixed parts would leave
 * the messages no room: the header gets compact, the availability notice scrolls away with the messages, and the
 * panel itself scrolls should its fixed parts still not fit, the message list keeping a minimum height (WCAG 1.4.10).
 */
export const SHORT_QUERY = '(max-height:500px)';

/**
 * The stylesheet. Accessibility choices in it: the focus ring is two-tone (a dark #111827 outline around a 2 px white
 * ring drawn by box-shadow in the outline's offset), so one of the two reaches 3:1 on any background — white, the
 * message area, the brand-coloured header and launcher (WCAG 1.4.11); borders of controls are #6b7280 (at least 4.5:1 on
 * white and on the notices' pale blue); borders drawn in the brand colour use its accent (--accent, at least 3:1 on the
 * light surfaces, see colors.ts), and the chosen rating is shown by a dark border and a check mark, not by its fill
 * alone; text fields use 16 px text, as iOS zooms the page into a smaller field on focus; SHORT_QUERY keeps the
 * messages usable on short screens; and Chinese in a Traditional variant (zh-TW, zh-HK: the `lang` of the widget or of
 * a message) prefers Traditional fonts, Simplified keeping its own list.
 */
export function widgetCss(brand: { background: string; foreground: string; accent: string }, side: 'left' | 'right'): string {
  const edge = side === 'left' ? 'left' : 'right';
  return `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;bottom:0!important;${edge}:0!important;width:0!important;height:0!important}
.root{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif;color:#111827;letter-spacing:normal;text-transform:none;text-align:left;--brand:${brand.background};--on-brand:${brand.foreground};--accent:${brand.accent}}
:lang(zh-TW){font-family:system-ui,-apple-system,"Segoe UI",Roboto,"PingFang TC","Microsoft JhengHei",sans-serif}
:lang(zh-HK){font-family:system-ui,-apple-system,"Segoe UI",Roboto,"PingFang HK","PingFang TC","Microsoft JhengHei",sans-serif}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:3px solid #111827;outline-offset:2px;box-shadow:0 0 0 2px #fff}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.launcher{position:fixed;bottom:20px;${edge}:20px;width:56px;height:56px;border-radius:50%;border:0;background:var(--brand);color:var(--on-brand);box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
.nudge{position:fixed;bottom:88px;${edge}:20px;max-width:min(300px,calc(100vw - 40px));display:flex;align-items:flex-start;gap:4px;background:#fff;border-radius:12px;box-shadow:0 6px 24px rgba(0,0,0,.22);padding:4px}
.nudge-text{flex:1;border:0;background:transparent;text-align:left;padding:8px 4px 8px 10px;white-space:pre-wrap;overflow-wrap:anywhere}
.nudge .icon-btn{width:28px;height:28px;color:#4b5563}
.badge{position:absolute;top:-4px;${side === 'left' ? 'right' : 'left'}:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b91c1c;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:fixed;bottom:88px;${edge}:20px;width:370px;height:min(600px,calc(100vh - 108px));background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}
.head{background:var(--brand);color:var(--on-brand);padding:12px 12px 12px 16px;display:flex;align-items:center;gap:8px}
.head .titles{flex:1;min-width:0}
.head h2{margin:0;font-size:16px;font-weight:650}
.reply-time{margin:2px 0 0;font-size:12px;line-height:1.3}
.icon-btn{border:0;background:transparent;color:inherit;width:36px;height:36px;border-radius:8px;display:grid;place-items:center}
.icon-btn svg{width:20px;height:20px;fill:currentColor}
.icon-btn:hover{background:rgba(127,127,127,.2)}
.person-btn{border:1px solid currentColor;background:transparent;color:inherit;border-radius:14px;padding:3px 10px;font-size:12px;white-space:nowrap}
.person-btn:hover{background:rgba(127,127,127,.2)}
.person-btn[hidden]{display:none}
.status{padding:8px 14px;font-size:13px;background:#fef3c7;color:#78350f;border-bottom:1px solid #fcd34d}
.status.ok{display:none}
.notice{padding:10px 14px;font-size:13px;background:#eff6ff;color:#1e3a8a;border-bottom:1px solid #bfdbfe}
.notice button{margin-top:6px}
.notice .hours{margin:0 0 4px;font-weight:600}
.log,.cards{padding:12px 12px 4px;display:flex;flex-direction:column;gap:10px}
.scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;background:#f9fafb}
.msg{max-width:85%;display:flex;flex-direction:column;gap:2px}
.msg .who{font-size:12px;color:#4b5563}
.bubble{padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e5e7eb}
.msg.mine{align-self:flex-end;align-items:flex-end}
.msg.mine .bubble{background:var(--brand);color:var(--on-brand);border-color:transparent}
.meta{font-size:11px;color:#4b5563}
.meta.failed{color:#b91c1c;text-align:right}
.system{align-self:center;font-size:12px;color:#374151;background:#e5e7eb;border-radius:10px;padding:3px 10px;text-align:center}
.divider{align-self:stretch;text-align:center;font-size:12px;color:#4b5563;border-top:1px solid #d1d5db;padding-top:4px}
.bubble .heading{display:block;margin-bottom:4px}
.articles{margin:6px 0 0;padding:0;list-style:none;display:flex;flex-direction:column;gap:4px}
.articles a{color:#1d4ed8;text-decoration:underline}
.product{display:flex;justify-content:space-between;gap:8px;background:#fff;border:1px solid #d1d5db;border-radius:8px;padding:6px 8px}
.text a{color:inherit;text-decoration:underline}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.chip{border:1px solid var(--accent);background:#fff;color:#1f2937;border-radius:16px;padding:4px 12px;font-size:13px}
.chip:hover{background:#f3f4f6}
.helpful{font-size:12px;color:#374151;margin-top:6px;display:flex;align-items:center;gap:6px;flex-wrap:wrap}
.helpful button{border:1px solid #6b7280;background:#fff;border-radius:12px;padding:4px 10px;min-height:24px;font-size:12px}
.typing{padding:0 14px 4px;font-size:12px;color:#4b5563;min-height:18px;background:#f9fafb}
.compose{display:flex;align-items:flex-end;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}
.compose textarea{flex:1;min-width:0;resize:none;border:1px solid #6b7280;border-radius:10px;padding:8px 10px;height:42px;max-height:132px;overflow-y:auto;font-size:16px;line-height:1.4}
.send{flex:none;border:0;background:var(--brand);color:var(--on-brand);border-radius:10px;width:44px;height:42px;display:grid;place-items:center}
.send svg{width:20px;height:20px;fill:currentColor}
.card{align-self:stretch;background:#fff;border:1px solid #d1d5db;border-radius:12px;padding:12px;display:flex;flex-direction:column;gap:8px}
.card h3{margin:0;font-size:15px}
.card p{margin:0}
.card label{display:flex;flex-direction:column;gap:2px;font-size:13px;color:#374151}
.card input,.card textarea{border:1px solid #6b7280;border-radius:8px;padding:6px 8px;background:#fff;font-size:16px;line-height:1.35}
.card textarea{min-height:70px;resize:vertical}
.row{display:flex;gap:8px;flex-wrap:wrap}
.primary{border:0;background:var(--brand);color:var(--on-brand);border-radius:8px;padding:7px 14px;font-weight:600}
.secondary{border:1px solid #6b7280;background:#fff;border-radius:8px;padding:6px 12px}
.error{color:#b91c1c;font-size:13px}
.attachments{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.attachments img{display:block;max-width:200px;max-height:160px;border-radius:8px;background:#fff}
.attachments a{color:inherit}
.privacy{margin:0;padding:0 10px 8px;background:#fff;color:#4b5563;font-size:11px;line-height:1.4}
.privacy a{color:inherit;text-decoration:underline}
.compose .icon-btn{flex:none;align-self:flex-end;margin-bottom:3px;color:#4b5563}
.notice.failed{background:#fef2f2;color:#b91c1c;border-color:#fecaca}
[aria-disabled=true]{opacity:.5;cursor:default}
.failed-actions{margin-top:4px}
.failed-actions button{padding:2px 10px;min-height:24px;font-size:12px}
.stars{display:flex;gap:6px}
.stars button{width:40px;height:40px;padding:0;border-radius:8px;border:1px solid #6b7280;background:#fff;font-size:16px;font-weight:600}
.stars button[aria-checked=true]{background:var(--brand);color:var(--on-brand);border:3px solid #111827;box-shadow:inset 0 0 0 2px #fff}
.stars button[aria-checked=true]::before{content:"✓";content:"✓" / "";margin-right:1px}
.csat-scale{display:inline-flex;flex-direction:column;align-self:flex-start;gap:2px;max-width:100%}
.csat-scale-ends{display:flex;justify-content:space-between;gap:8px;font-size:11px;line-height:1.3;color:#4b5563}
@media ${FULL_SCREEN_QUERY}{.panel{inset:0;width:100%;height:100%;height:100dvh;border-radius:0}.launcher.open{display:none}}
@media ${SHORT_QUERY}{.panel{overflow-y:auto}.head{padding:4px 6px 4px 12px}.head h2{font-size:15px;line-height:1.25}.head .icon-btn{width:32px;height:32px}.scroll{flex:1 0 0;min-height:96px}.typing{min-height:0;padding-bottom:2px}.typing:empty{display:none}.compose{padding:6px 8px}.privacy{padding-bottom:4px}}
@media ${TOUCH_QUERY}{.person-btn,.chip,.helpful button,.failed-actions button,.secondary,.primary,.nudge-text{min-height:44px}.icon-btn,.head .icon-btn,.nudge .icon-btn{min-width:44px;min-height:44px}.stars button{min-width:44px;min-height:44px}}
@media (prefers-reduced-motion:no-preference){.panel{animation:pop .16s ease-out}@keyframes pop{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}}
`;
}
