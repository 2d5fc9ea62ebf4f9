// How a process run from the command line (the server, the stand-alone workers, `npm run migrate`) ends when it
// cannot start: a problem the operator fixes (a setting, a service that is down, the schema) in one line, as the
// README promises; anything else, a bug, with its stack.
import { ConfigError } from './config.ts';
import { DependencyError } from './dependencies.ts';
import { MigrationChangedError, MigrationFailedError, PendingMigrationsError } from './db/migrate.ts';

const OPERATOR_PROBLEMS = [ConfigError, DependencyError, MigrationChangedError, MigrationFailedError, PendingMigrationsError];

export function exitOnStartFailure(error: unknown): never {
  if (OPERATOR_PROBLEMS.some((kind) => error instanceof kind)) console.error((error as Error).message);
  else console.error(error);
  process.exit(1);
}
