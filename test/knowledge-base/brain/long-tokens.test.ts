// A message of one very long "word" (a key held down, a pasted hash or order number): natural's Porter stemmer is
// quadratic on such a token, so neither the tokenizer nor the sentiment analyser stems one (bench/long-tokens.ts
// prints the time). Here: what the bot makes of such messages.
import { beforeAll, describe, expect, it } from 'vitest';
import { sentimentOf } from '../../../knowledge-base/signals.ts';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import { demoShopPipeline } from './demo-shop.ts';

const KEY_HELD_DOWN = 'b'.repeat(100_000);
const LONG_ORDER_NUMBER = 'x7k'.repeat(1334); // 4,002 characters, one token

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await demoShopPipeline();
}, 120_000);

describe('a token longer than any word', () => {
  it('carries no sentiment and does not thin out the words that do', () => {
    // Left out, not counted as a neutral word: the average is the angry words' own.
    expect(sentimentOf(`awful terrible ${LONG_ORDER_NUMBER}`)).toEqual(sentimentOf('awful terrible'));
    expect(sentimentOf(`thanks, great ${'b'.repeat(41)}`).score).toBe(sentimentOf('thanks, great').score);
    expect(sentimentOf(KEY_HELD_DOWN)).toEqual({ score: 0, total: 0, strongNegative: false, annoyed: false });
  });

  it('leaves the bot reading the rest of the message: no match for the held-down key, the order question for the number', async () => {
    const held = await pipeline.run(KEY_HELD_DOWN);
    expect(held.evidence.reason).toBe('no_match');
    expect(held.evidence.sentiment?.strongNegative).toBe(false);
    const asked = await pipeline.run(`my order number is ${LONG_ORDER_NUMBER} where is it`);
    expect(asked.evidence.prediction?.intent).toBe('track_order');
  });
});
