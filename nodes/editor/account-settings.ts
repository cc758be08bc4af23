/**
 * Checks of the account node's own settings: the heartbeat timeout (bounds from
 * NUMERIC_SETTINGS) and the custom-region URLs (the runtime's `customUrlProblem`, which shares
 * its rule with `resolveEndpoints`, loopback detection included).
 */
import { customUrlProblem, type CustomUrlField } from '../lib/endpoints';
import { numericSettingProblem, NUMERIC_SETTINGS } from '../lib/node-options';
import { problem, type Problem } from './problem';

/** A whole value `${NAME}`: Node-RED substitutes the environment variable when the flow starts. */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** The heartbeat timeout's bounds and default, as the runtime enforces them. */
export const HEARTBEAT = NUMERIC_SETTINGS.heartbeatTimeout;

/**
 * Why a heartbeat timeout cannot be saved, or null. Empty means the default, as for the
 * runtime; numeric text is fine (the dialog stores what was typed when it is not a number).
 */
export function heartbeatProblem(value: unknown): Problem | null {
  const range = numericSettingProblem('heartbeatTimeout', value);
  return range ? problem('ayla-dss-account.error.heartbeatTimeout', { min: range.min, max: range.max }) : null;
}

/**
 * The heartbeat value to store from what the field holds: a number when it is one, otherwise
 * the text as typed, so that the validator flags it instead of a silent default.
 */
export function heartbeatToSave(text: string): number | string {
  const trimmed = text.trim();
  const seconds = Number(trimmed);
  return trimmed !== '' && !Number.isNaN(seconds) ? seconds : trimmed;
}

/** The heartbeat value to show when the dialog opens: the stored one, or the default for old or broken flows. */
export function heartbeatToShow(stored: unknown): number {
  const seconds = typeof stored === 'number' ? stored : typeof stored === 'string' && stored.trim() !== '' ? Number(stored) : Number.NaN;
  return Number.isNaN(seconds) ? HEARTBEAT.default : seconds;
}

/**
 * Why one custom-region URL cannot be used, or null. Only the custom region reads them; an
 * environment reference is checked when the flow starts, not here.
 */
export function customUrlFieldProblem(field: CustomUrlField, value: unknown, region: unknown, allowInsecure: boolean): Problem | null {
  if (region !== 'custom') return null;
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (ENV_REFERENCE.test(text)) return null;
  const code = customUrlProblem(field, text, allowInsecure);
  if (code === 'INSECURE_URL') {
    return problem(field === 'streamUrl' ? 'ayla-dss-account.error.insecureStreamUrl' : 'ayla-dss-account.error.insecureHttpUrl');
  }
  if (code === 'BAD_URL') return problem(field === 'streamUrl' ? 'ayla-dss-account.error.streamUrl' : 'ayla-dss-account.error.httpUrl');
  return null;
}
