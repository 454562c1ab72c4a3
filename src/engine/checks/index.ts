import { checkDns } from './dns.ts';
import { checkHttp } from './http.ts';
import { checkPing } from './ping.ts';
import { checkPort } from './port.ts';
import { downResult, errorText } from './result.ts';
import type { Checker, CheckOptions, CheckResult, CheckTarget } from './types.ts';

export type { Checker, CheckOptions, CheckResult, CheckTarget } from './types.ts';

const checkers: Partial<Record<CheckTarget['type'], Checker>> = {
  HTTP: checkHttp,
  PORT: checkPort,
  DNS: checkDns,
  PING: checkPing,
};

/**
 * Runs the outbound check for a site. Never rejects: every failure is a DOWN result. PUSH and GROUP monitors are
 * evaluated by the engine itself and are unsupported here.
 */
export const runCheck: Checker = async (target: CheckTarget, options: CheckOptions): Promise<CheckResult> => {
  const checker = checkers[target.type];
  if (!checker) return downResult(`unsupported monitor type: ${target.type}`);
  try {
    return await checker(target, options);
  } catch (err) {
    return downResult(errorText(err));
  }
};
