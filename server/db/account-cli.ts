// `npm run account -- <command>`: console access from the server's shell (server/services/owner-access.ts).
//   add-admin <email> [--name "Full Name"]        the first admin of a real shop, or another one
//   reset <email> [--two-step-off] [--activate] [--must-change]
//                                                  a new password (sessions end); optionally two-step sign-in off
// The new password is printed once; change it under Account after signing in. Unlike a reset from the team page it
// is not one its holder must replace at sign-in (the owner getting back into their own account is the usual case):
// --must-change asks for that, for a password passed on to someone else.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { createSql } from './client.ts';
import { assertPostgresReachable } from '../dependencies.ts';
import { AccessError, addAdmin, resetAccess } from '../services/owner-access.ts';

const USAGE = `usage:
  npm run account -- add-admin <email> [--name "Full Name"]
  npm run account -- reset <email> [--two-step-off] [--activate] [--must-change]`;

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'two-step-off': { type: 'boolean' }, activate: { type: 'boolean' }, 'must-change': { type: 'boolean' } },
  });
  const [command, email] = positionals;
  if (!email || positionals.length > 2 || !['add-admin', 'reset'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  await assertPostgresReachable(config);
  const sql = createSql(config, { max: 1 });
  try {
    const base = config.publicUrl;
    if (command === 'add-admin') {
      const { password } = await addAdmin(sql, { email, name: values.name });
      console.log(`Admin ${email} created. Password (shown once): ${password}`);
    } else {
      const mustChange = values['must-change'] === true;
      const result = await resetAccess(sql, email, { twoStepOff: values['two-step-off'], activate: values.activate, mustChange });
      console.log(`New password for ${email} (shown once): ${result.password}`);
      console.log(`Their sessions have ended${result.twoStepRemoved ? '; two-step sign-in is off' : ''}${result.activated ? '; the account is active again' : ''}.`);
      if (mustChange) {
        console.log(`Sign in at ${base}/console: the console asks for a password of their own first.`);
        return 0;
      }
    }
    console.log(`Sign in at ${base}/console and change it under Account.`);
    return 0;
  } catch (error) {
    if (error instanceof AccessError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await sql.end();
  }
}

process.exitCode = await run(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  return 1;
});
