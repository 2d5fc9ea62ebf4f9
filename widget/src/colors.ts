// Readable text on the shop's brand colour: WCAG contrast decides between
// white and near-black, and a brand colour that reaches 4.5:1 with neither
// (a mid-tone such as #8b5cf6 or #7c7c7c) is darkened (or, under dark text,
// lightened) in its own hue until it does, so any colour an admin picks stays legible. Borders and other marks
// drawn in the brand colour (not text on it) use its accent: the colour itself when it reaches 3:1 against white and
// the widget's light surfaces, else a darker shade of it (WCAG 1.4.11), so a pale brand does not hide them.
function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = channels(hex);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const DEFAULT_COLOR = '#2563eb';
const LIGHT = '#ffffff';
const DARK = '#111827';
/** WCAG 1.4.3 for normal text: the header title, the shopper's bubbles and the buttons' labels sit on the brand colour. */
const TEXT_CONTRAST = 4.5;
/** WCAG 1.4.11 for the parts of controls drawn in the brand colour (a quick reply's border, the chosen rating's). */
const MARK_CONTRAST = 3;
/** What those marks sit on: white, the message area, a hovered quick reply, the notices' pale blue. */
const SURFACES = ['#ffffff', '#f9fafb', '#f3f4f6', '#eff6ff'];

const hex2 = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');

/** The colour with its HSL lightness set to `l` (0–1), hue and saturation kept. */
function withLightness(hex: string, l: number): string {
  const [r, g, b] = channels(hex).map((c) => c / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l0 = (max + min) / 2;
  const d = max - min;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l0 - 1));
  let hue = 0;
  if (d !== 0) hue = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  // In [0, 6): a red with more blue than green comes out negative, and a negative hue picked the wrong mix below
  // (a pink turned orange).
  hue = ((hue % 6) + 6) % 6;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const m = l - c / 2;
  const sector = Math.floor(hue);
  const [r1, g1, b1] = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]][sector];
  return `#${hex2((r1 + m) * 255)}${hex2((g1 + m) * 255)}${hex2((b1 + m) * 255)}`;
}

function lightnessOf(hex: string): number {
  const cs = channels(hex);
  return (Math.max(...cs) + Math.min(...cs)) / 510;
}

/**
 * The brand colour (validated; falls back to the default), the text colour to use on it, and its accent for borders.
 * The text colour is the one with more contrast; when even that stays under 4.5:1 the brand colour is moved away from
 * it in lightness (same hue and saturation) one step at a time until it reaches 4.5:1. The accent is that background
 * when it reaches 3:1 on every light surface of the widget, else the chosen colour darkened the same way until it does.
 */
export function brandColors(color: string | undefined): { background: string; foreground: string; accent: string } {
  const chosen = (color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : DEFAULT_COLOR).toLowerCase();
  const foreground = contrastRatio(chosen, LIGHT) >= contrastRatio(chosen, DARK) ? LIGHT : DARK;
  const background = shifted(chosen, foreground === LIGHT ? -0.005 : 0.005, (c) => contrastRatio(c, foreground) >= TEXT_CONTRAST);
  const onSurfaces = (c: string) => SURFACES.every((surface) => contrastRatio(c, surface) >= MARK_CONTRAST);
  const accent = onSurfaces(background) ? background : shifted(chosen, -0.005, onSurfaces);
  return { background, foreground, accent };
}

/** The colour, or the first one `step` after step away from it in lightness (hue and saturation kept) that is `good`. */
function shifted(chosen: string, step: number, good: (c: string) => boolean): string {
  let colour = chosen;
  // Each step from the chosen colour itself, so rounding does not add up into another hue.
  for (let l = lightnessOf(chosen); !good(colour) && (step < 0 ? l > 0 : l < 1);) {
    l = Math.min(1, Math.max(0, l + step));
    colour = withLightness(chosen, l);
  }
  return colour;
}
