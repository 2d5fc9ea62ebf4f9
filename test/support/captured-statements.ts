// A Postgres client for plan tests: it parses as the server's pool does (bigint ids as numbers) and keeps every
// statement it sends, with its parameters, so that a test can run the real statements through EXPLAIN.
import postgres from 'postgres';

export interface CapturedStatement {
  query: string;
  params: unknown[];
}

/** One connection to `databaseUrl` that appends each statement it sends to `statements`. */
export function capturingClient(databaseUrl: string, statements: CapturedStatement[]): postgres.Sql {
  return postgres(databaseUrl, {
    max: 1, onnotice: () => {}, transform: { undefined: null },
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
    debug: (_connection, query, params) => statements.push({ query, params: params as unknown[] }),
  });
}

/** The plan of a captured statement; with `analyze`, as it ran (without costs). A transaction's settings apply to it. */
export async function planOf(client: postgres.Sql | postgres.TransactionSql, statement: CapturedStatement, analyze = false): Promise<string> {
  const plan = await client.unsafe(`explain ${analyze ? '(analyze, costs off) ' : ''}${statement.query}`, statement.params as never[]);
  return plan.map((row) => row['QUERY PLAN'] as string).join('\n');
}
