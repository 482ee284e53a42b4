import { openTeamDb, type TeamDb } from '../node/team/openTeamDb.ts';
import { CliError, EXIT } from './cliError.ts';

/** The team database of --team / SIMPLEPOSE_TEAM_URL (which keeps a password out of `ps`), opened and migrated. */
export async function teamArg(given: string | undefined): Promise<TeamDb> {
  const url = given ?? process.env.SIMPLEPOSE_TEAM_URL;
  if (!url) throw new CliError('give the team database: --team URL (or SIMPLEPOSE_TEAM_URL)', EXIT.usage);
  return openTeamDb(url);
}
