// A promise given a deadline: past it the caller gets an error and moves on. The work itself is not cancelled
// (a query keeps running); its late outcome, success or failure, is ignored.

/** `work`'s result, or a rejection with `message` once `ms` have passed without one. */
export async function withinTimeLimit<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  work.catch(() => {}); // a failure after the deadline was already answered
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
