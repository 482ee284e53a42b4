import type { z } from 'zod';
import { payloadIssues, type PayloadIssue } from './payloadIssues.ts';
import {
  isPoseMethod,
  POSE_API,
  POSE_EVENTS,
  type PoseEventName,
  type PoseMethod,
  type PoseRequest,
} from './poseApi.ts';

/** A payload off the contract: every problem with its JSON path (a 400 with the issues as its details). */
export class ContractError extends Error {
  override name = 'ContractError';
  readonly issues: PayloadIssue[];
  constructor(what: string, issues: PayloadIssue[]) {
    super(
      `${what}: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? '; …' : ''}`,
    );
    this.issues = issues;
  }
}

/** Throws a ContractError listing every problem unless `payload` fits the method's request (or response). */
export function checkPayload<M extends PoseMethod>(
  method: M,
  side: 'request' | 'response',
  payload: unknown,
): asserts payload is PoseRequest<M> {
  if (!isPoseMethod(method))
    throw new ContractError(`unknown method ${String(method)}`, [{ path: '$', message: 'not in the API' }]);
  const issues = payloadIssues(POSE_API[method][side] as z.ZodType, payload);
  if (issues.length) throw new ContractError(`${method} ${side}`, issues);
}

/** Whether an event's payload fits the contract (adapters never push one that does not). */
export function isValidEvent(name: PoseEventName, payload: unknown): boolean {
  return POSE_EVENTS[name].safeParse(payload).success;
}
