import type { ServiceDeps } from '../services/deps.ts';
import { applyConfig, type ApplyOptions, type ApplyResult } from './apply.ts';
import { exportConfig, type ExportFormat } from './export.ts';

/*
 * Config as code: the Go original's uptop.yaml (alerts, monitors with nested groups) extended with every uptop
 * field and maintenance windows. The CLI (`uptop apply`, `uptop export`) and the `applyConfig` mutation both use it.
 */
export { applyConfig, type ApplyOptions, type ApplyResult } from './apply.ts';
export { ConfigFileError, type ConfigIssue } from './errors.ts';
export { exportConfig, type ExportFormat } from './export.ts';
export { formatPlan } from './format-plan.ts';
export { parseConfigFile, type ParseOptions } from './parse.ts';
export { planConfig } from './plan.ts';
export type { ParsedConfig, Plan, PlanAction, PlanChange, PlanKind } from './types.ts';

/** The library bound to the app's parts, as the API's services hold it. */
export interface ConfigAsCodeService {
  apply(options: ApplyOptions): Promise<ApplyResult>;
  export(format: ExportFormat): Promise<string>;
}

export function createConfigAsCodeService(deps: ServiceDeps): ConfigAsCodeService {
  return {
    apply: (options) => applyConfig(deps, options),
    export: (format) => exportConfig(deps, { format }),
  };
}
