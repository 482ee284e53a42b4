import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../../contract/apiErrors.ts';
import type { TeamDb } from './openTeamDb.ts';
import { teamImageRepository } from './teamImageRepository.ts';
import { hashPassword, passwordProblem, verifyPassword } from './teamPassword.ts';
import { teamWriteTransaction } from './teamTransaction.ts';
import { teamUserRepository, type TeamRole, type TeamUser } from './teamUserRepository.ts';

/** How long a login lasts. */
export const SESSION_LIFETIME_MS = 12 * 3600_000;
const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export async function addTeamUser(team: TeamDb, name: string, role: TeamRole, password: string): Promise<TeamUser> {
  if (!NAME.test(name))
    throw new ApiError('bad_request', `a user name is 1 to 64 letters, digits or . _ @ -, not "${name.slice(0, 80)}"`);
  const problem = passwordProblem(password);
  if (problem) throw new ApiError('bad_request', problem);
  const passwordHash = await hashPassword(password);
  const u = await teamWriteTransaction(team.pool, 'adding the user', (c) =>
    teamUserRepository.add(c, { name, role, passwordHash, now: Date.now() }),
  );
  if (!u) throw new ApiError('conflict', `there is a user ${name} already`);
  return u;
}

/**
 * A login: the password checked against its scrypt hash, then a new session whose random token (32 bytes) is
 * given to the user once and kept only as its SHA-256. The same refusal for an unknown name and a wrong password.
 */
export async function loginTeamUser(
  team: TeamDb,
  name: string,
  password: string,
): Promise<{ token: string; user: TeamUser }> {
  const u = await teamUserRepository.byName(team.pool, name);
  const ok = u ? await verifyPassword(password, u.passwordHash) : await verifyPassword(password, DUMMY_HASH);
  if (!u || !ok) throw new ApiError('unauthorized', 'wrong user name or password');
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  await teamWriteTransaction(team.pool, 'the login', (c) =>
    teamUserRepository.openSession(c, {
      tokenHash: tokenHash(token),
      userId: u.id,
      now,
      expiresAt: now + SESSION_LIFETIME_MS,
    }),
  );
  return { token, user: { id: u.id, name: u.name, role: u.role } };
}
/** Checked when the name is unknown, so that a refusal takes as long either way. */
const DUMMY_HASH = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The user of a session token, or an `unauthorized` refusal (unknown, expired or logged out). */
export async function sessionUser(team: TeamDb, token: string): Promise<TeamUser> {
  const u = await teamUserRepository.bySession(team.pool, tokenHash(token), Date.now());
  if (!u) throw new ApiError('unauthorized', 'not logged in, or the session expired: log in again');
  return u;
}

export async function logoutTeamUser(team: TeamDb, token: string): Promise<void> {
  await teamWriteTransaction(team.pool, 'the logout', (c) => teamUserRepository.closeSession(c, tokenHash(token)));
}

/** Assigns images to a user by name (null: takes them from everybody); returns how many images it changed. */
export async function assignImages(team: TeamDb, ids: number[], userName: string | null): Promise<number> {
  return teamWriteTransaction(team.pool, 'the assignment', async (c) => {
    const u = userName === null ? null : await teamUserRepository.byName(c, userName);
    if (userName !== null && !u) throw new ApiError('not_found', `no user ${userName} in this team project`);
    const n = u ? await teamImageRepository.assign(c, ids, u.id) : await teamImageRepository.unassign(c, ids, null);
    if (n !== new Set(ids).size)
      throw new ApiError('not_found', `only ${n} of the ${ids.length} images exist; nothing assigned`);
    return n;
  });
}
