// A shopper's message of one very long "word" (npx tsx bench/long-tokens.ts): before the tokenizer and the
// sentiment analyser left such tokens unstemmed, natural's Porter stemmer took time quadratic in a run of
// consonants (16,000 characters: seconds per message). Prints milliseconds for the tokenizer, the sentiment
// analyser and the demo shop's whole bot pipeline on one message of n repeated letters, on a 4,000-character
// token inside a sentence, and on a product name's two words repeated to n characters (the catalogue's spelling of
// them was once replaced over the whole text for every repeat).
//
// Env: BENCH_LENGTHS (default 2000,4000,8000,16000,100000).
import { performance } from 'node:perf_hooks';
import { tokenize } from '../knowledge-base/text/tokenize.ts';
import { sentimentOf } from '../knowledge-base/signals.ts';
import { demoShopPipeline } from '../test/knowledge-base/brain/demo-shop.ts';

const LENGTHS = (process.env.BENCH_LENGTHS ?? '2000,4000,8000,16000,100000').split(',').map(Number).filter((n) => n > 0);

async function millis(work: () => unknown): Promise<string> {
  const start = performance.now();
  await work();
  return (performance.now() - start).toFixed(1).padStart(9);
}

const pipeline = await demoShopPipeline();
await pipeline.run('warm up: where is my order?');
console.log('message                         tokenize ms  sentiment ms  pipeline ms');
// Each column gets its own letter, so no column finds the word in the tokenizer's cache filled by another.
const messages: Array<[string, (letter: string) => string]> = [
  ...LENGTHS.map((n): [string, (letter: string) => string] => [`one letter x ${n}`, (letter) => letter.repeat(n)]),
  ['4,000-char token in a sentence', (letter) => `my order number is ${`${letter}7k`.repeat(1334)} where is it`],
  ...LENGTHS.map((n): [string, (letter: string) => string] => [`'smart watch ' to ${n}`, (letter) => `smart watch ${letter} `.repeat(Math.floor(n / 14))]),
];
for (const [label, text] of messages) {
  const row = [await millis(() => tokenize(text('b'))), await millis(() => sentimentOf(text('c'))), await millis(() => pipeline.run(text('d')))];
  console.log(`${label.padEnd(32)}${row.join('     ')}`);
}
