/**
 * Checks of the account node's own settings: the heartbeat timeout and the write rate (bounds
 * from NUMERIC_SETTINGS, numeric-settings.ts), the instance label (the runtime's rule) and the
 * service URLs: the custom region's three and the device-service URL any region takes (the
 * runtime's `customUrlProblem`, which shares its rule with `resolveEndpoints`, loopback
 * detection included).
 */
import { customUrlProblem, type CustomUrlField } from '../lib/endpoints';
import { instanceLabelProblem, MAX_INSTANCE_LABEL_CHARS, NUMERIC_SETTINGS } from '../lib/node-options';
import { numberToSave, numberToShow, numericFieldProblem } from './numeric-settings';
import { problem, type Problem } from './problem';

/** A whole value `${NAME}`: Node-RED substitutes the environment variable when the flow starts. */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** The heartbeat timeout's bounds and default, as the runtime enforces them. */
export const HEARTBEAT = NUMERIC_SETTINGS.heartbeatTimeout;

/** Why a heartbeat timeout cannot be saved, or null (empty means the default, as for the runtime). */
export function heartbeatProblem(value: unknown): Problem | null {
  return numericFieldProblem('heartbeatTimeout', value);
}

/** Why a write rate cannot be saved, or null (empty means the default). */
export function writeRateProblem(value: unknown): Problem | null {
  return numericFieldProblem('writeRate', value);
}

/** The heartbeat value to store from what the field holds (see `numberToSave`). */
export function heartbeatToSave(text: string): number | string {
  return numberToSave(text);
}

/** The heartbeat value to show when the dialog opens: the stored one, or the default for old or broken flows. */
export function heartbeatToShow(stored: unknown): number {
  return numberToShow('heartbeatTimeout', stored);
}

/** Why an instance label cannot be saved, or null: the runtime's rule (`instanceLabelProblem`), worded by the catalog. */
export function instanceLabelFieldProblem(value: unknown): Problem | null {
  const found = instanceLabelProblem(value);
  if (found === 'length') return problem('ayla-dss-account.error.instanceLabelLength', { max: MAX_INSTANCE_LABEL_CHARS });
  return found === 'characters' ? problem('ayla-dss-account.error.instanceLabelCharacters') : null;
}

/**
 * Why one service URL cannot be used, or null. The custom region's three are read only there;
 * the device-service URL in every region (an override of the region's host). An environment
 * reference is checked when the flow starts, not here.
 */
export function customUrlFieldProblem(field: CustomUrlField, value: unknown, region: unknown, allowInsecure: boolean): Problem | null {
  if (region !== 'custom' && field !== 'deviceUrl') return null;
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (ENV_REFERENCE.test(text)) return null;
  const code = customUrlProblem(field, text, allowInsecure);
  if (code === 'INSECURE_URL') {
    return problem(field === 'streamUrl' ? 'ayla-dss-account.error.insecureStreamUrl' : 'ayla-dss-account.error.insecureHttpUrl');
  }
  if (code === 'BAD_URL') return problem(field === 'streamUrl' ? 'ayla-dss-account.error.streamUrl' : 'ayla-dss-account.error.httpUrl');
  return null;
}
