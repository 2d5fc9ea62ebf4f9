// A real PNG of one colour, so tests can send photos of any size without fixture files.
import sharp from 'sharp';

export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
}
