import { ApiError } from '../../contract/apiErrors.ts';
import type { TeamUser } from './teamUserRepository.ts';

/**
 * What the project-wide methods of a team project need (docs/ARCHITECTURE.md, "Team mode"): project-wide changes
 * (settings, imports) are an admin's; what reads the whole team's ground truth (export, evaluation, run comparison)
 * is a reviewer's or an admin's — an annotator sees only the images assigned to them, so it is refused by name.
 */
export function requireAdmin(user: TeamUser, what: string): void {
  if (user.role !== 'admin') throw new ApiError('forbidden', `${what} is for admins: ${user.name} is an ${user.role}`);
}

export function requireReviewer(user: TeamUser, what: string): void {
  if (user.role === 'annotator')
    throw new ApiError(
      'forbidden',
      `${what} reads the whole team's reviewed images: it is for reviewers and admins, ${user.name} is an annotator`,
    );
}

/** The user's scope in the image repository: an annotator's id (only their images), null for everyone else. */
export const scopeOf = (user: TeamUser): number | null => (user.role === 'annotator' ? user.id : null);
