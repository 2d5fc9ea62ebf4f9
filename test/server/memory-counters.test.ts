// The in-memory failure counters used while Redis is away (server/services/memory-counters.ts): bounded in memory,
// yet a locked count is never forgotten to make room — else, during an outage, failing sign-ins on 10,000 made-up
// emails would wipe a victim's lock and give the password guessing a fresh 20 tries.
import { describe, expect, it } from 'vitest';
import { memoryCounters } from '../../server/services/memory-counters.ts';

describe('memory counters', () => {
  it('keep a locked count while others fill memory past its bound', () => {
    const counters = memoryCounters(20, 15, () => 1_000_000);
    for (let i = 0; i < 20; i++) counters.failed('victim@example.com');
    expect(counters.lockedMinutes('victim@example.com')).toBe(15);
    for (let i = 0; i < 12_000; i++) counters.failed(`made-up-${i}@example.com`);
    expect(counters.lockedMinutes('victim@example.com')).toBe(15);
    expect(counters.failed('victim@example.com')).toBeGreaterThan(20);
  });

  it('forget the count of the key counted longest ago when full, not a newer one', () => {
    const counters = memoryCounters(3, 15, () => 1_000_000);
    for (let i = 0; i <= 10_000; i++) counters.failed(`key-${i}`);
    counters.failed('key-0'); // gone to make room: starts again
    expect(counters.failed('key-0')).toBe(2);
    expect(counters.failed('key-10000')).toBe(2);
  });

  it('answer a new key as locked once every slot holds a locked count, until the first window ends', () => {
    let time = 1_000_000;
    const counters = memoryCounters(1, 15, () => time);
    for (let i = 0; i < 100_000; i++) counters.failed(`locked-${i}`);
    expect(counters.lockedMinutes('locked-0')).toBe(15);
    expect(counters.lockedMinutes('new-key')).toBe(15);
    expect(counters.failed('new-key')).toBe(2);
    time += 15 * 60_000;
    expect(counters.lockedMinutes('new-key')).toBe(0);
    expect(counters.failed('new-key')).toBe(1);
  });

  it('end a lock with its window', () => {
    let time = 1_000_000;
    const counters = memoryCounters(2, 15, () => time);
    counters.failed('a');
    counters.failed('a');
    expect(counters.lockedMinutes('a')).toBe(15);
    time += 15 * 60_000;
    expect(counters.lockedMinutes('a')).toBe(0);
    expect(counters.failed('a')).toBe(1);
  });
});
