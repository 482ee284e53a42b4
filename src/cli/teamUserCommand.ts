import { parseArgs } from 'node:util';
import { addTeamUser, assignImages } from '../node/team/teamAccounts.ts';
import { isTeamRole } from '../node/team/teamUserRepository.ts';
import { CliError, EXIT, refusalAsUsage } from './cliError.ts';
import type { CliIo } from './main.ts';
import { teamArg } from './teamArg.ts';

/** `team user add NAME --role R` (password from SIMPLEPOSE_PASSWORD) and `team assign --user NAME --images …`. */
export async function teamUserCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      team: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      images: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (sub === 'add') {
    if (positionals.length !== 1) throw new CliError('user add: give one NAME', EXIT.usage);
    if (!isTeamRole(values.role))
      throw new CliError('user add: --role must be admin, annotator or reviewer', EXIT.usage);
    const password = process.env.SIMPLEPOSE_PASSWORD;
    if (!password)
      throw new CliError('user add: give the password in SIMPLEPOSE_PASSWORD (never on the command line)', EXIT.usage);
    const team = await teamArg(values.team);
    try {
      const u = await refusalAsUsage('user add', () =>
        addTeamUser(team, positionals[0], values.role as never, password),
      );
      io.out(`added ${u.role} ${u.name}`);
      return EXIT.ok;
    } finally {
      await team.close();
    }
  }
  if (sub === 'assign') {
    if (!values.user) throw new CliError('assign: give --user NAME (or - for nobody)', EXIT.usage);
    const ids = (values.images ?? '').split(',').map(Number);
    if (!ids.length || !ids.every((n) => Number.isSafeInteger(n) && n >= 1))
      throw new CliError(
        `assign: --images must be image ids separated by commas, got "${values.images ?? ''}"`,
        EXIT.usage,
      );
    const team = await teamArg(values.team);
    try {
      const n = await refusalAsUsage('assign', () =>
        assignImages(team, ids, values.user === '-' ? null : values.user!),
      );
      io.out(`assigned ${n} images to ${values.user === '-' ? 'nobody' : values.user}`);
      return EXIT.ok;
    } finally {
      await team.close();
    }
  }
  throw new CliError(`unknown team user command "${sub ?? ''}" (add, assign)`, EXIT.usage);
}
