// Dates as people and feeds write them. JavaScript's Date rolls an impossible
// day over (2026-02-30 becomes 2 March) and so did the database driver, so a
// day is taken only when it exists.

/** Whether "YYYY-MM-DD" names a day that exists. */
export function isRealDay(text: string): boolean {
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text;
}
