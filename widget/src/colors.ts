// Readable text on the shop's brand colour: WCAG contrast decides between
// white and near-black, so any colour an admin picks stays legible.
function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const DEFAULT_COLOR = '#2563eb';
const LIGHT = '#ffffff';
const DARK = '#111827';

/** The brand colour (validated; falls back to the default) and the text colour to use on it. */
export function brandColors(color: string | undefined): { background: string; foreground: string } {
  const background = color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : DEFAULT_COLOR;
  const foreground = contrastRatio(background, LIGHT) >= contrastRatio(background, DARK) ? LIGHT : DARK;
  return { background, foreground };
}
