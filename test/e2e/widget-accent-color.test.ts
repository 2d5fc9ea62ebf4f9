// The brand's accent colour (chip borders, the selected rating's border), without a browser: whatever colour the shop
// picks, the accent reaches 3:1 against white and the widget's light surfaces (WCAG 1.4.11); a colour that already
// does is used as it is, and a pale one is darkened in its own hue.
import { describe, expect, it } from 'vitest';
import { brandColors, contrastRatio } from '../../widget/src/colors.ts';

/** White, the message area, a hovered chip, the notices' pale blue. */
const SURFACES = ['#ffffff', '#f9fafb', '#f3f4f6', '#eff6ff'];

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return ((h * 60) + 360) % 360;
}

describe('brand accent colour', () => {
  it('reaches 3:1 on white and the light surfaces for pale, mid and dark brand colours', () => {
    const pale = ['#fef3c7', '#fde047', '#22d3ee', '#a3e635', '#ffffff', '#ffeb3b', '#ff69b4', '#ff00ff', '#e0f2fe'];
    const others = ['#2563eb', '#000000', '#8b5cf6', '#7c7c7c', '#0f766e', '#b91c1c', '#111827'];
    for (const colour of [...pale, ...others]) {
      const { accent } = brandColors(colour);
      expect(accent, colour).toMatch(/^#[0-9a-f]{6}$/);
      for (const surface of SURFACES) {
        expect(contrastRatio(accent, surface), `${colour} → ${accent} on ${surface}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('is the brand colour as shown when that already reaches 3:1, and a darker shade of the same hue otherwise', () => {
    for (const colour of ['#2563eb', '#000000', '#0f766e', '#8b5cf6']) {
      const { background, accent } = brandColors(colour);
      expect(accent, colour).toBe(background);
    }
    for (const colour of ['#fef3c7', '#fde047', '#22d3ee', '#ff69b4']) {
      const { background, accent } = brandColors(colour);
      expect(accent, colour).not.toBe(background);
      expect(contrastRatio(accent, '#ffffff')).toBeGreaterThan(contrastRatio(background, '#ffffff'));
      expect(Math.abs(hue(accent) - hue(colour)), `${colour} → ${accent}`).toBeLessThan(6);
      // Not darker than it needs to be: close to 3:1 on the darkest surface, not pushed to black.
      expect(contrastRatio(accent, '#f3f4f6'), `${colour} → ${accent}`).toBeLessThan(3.4);
    }
  });

  it('keeps the default for an invalid colour', () => {
    expect(brandColors('red; border:0').accent).toBe('#2563eb');
  });
});
