/**
 * The editor's side of the numeric settings (NUMERIC_SETTINGS in nodes/lib/node-options.ts, the
 * runtime's bounds): the account's heartbeat timeout and write rate, the out node's ack timeout.
 * Each is checked with the runtime's `numericSettingProblem` and worded by its own catalog text,
 * which names the range.
 */
import { numericSettingProblem, NUMERIC_SETTINGS, type NumericSettingName } from '../lib/node-options';
import { problem, type Problem } from './problem';
import type { CatalogKey } from './catalog-keys';

/** The catalog text that says each setting's range (`__min__`, `__max__`). */
const RANGE_KEYS: Readonly<Record<NumericSettingName, CatalogKey>> = {
  heartbeatTimeout: 'ayla-dss-account.error.heartbeatTimeout',
  writeRate: 'ayla-dss-account.error.writeRate',
  ackTimeout: 'ayla-datapoint-out.error.ackTimeout',
};

/**
 * Why a value of setting `name` cannot be saved, or null. Empty means the default, as for the
 * runtime; numeric text is fine (a field stores what was typed when it is not a number).
 */
export function numericFieldProblem(name: NumericSettingName, value: unknown): Problem | null {
  const range = numericSettingProblem(name, value);
  return range ? problem(RANGE_KEYS[name], { min: range.min, max: range.max }) : null;
}

/**
 * The value to store from what a field holds: a number when it is one, otherwise the text as
 * typed, so that the validator flags it instead of a silent default.
 */
export function numberToSave(text: string): number | string {
  const trimmed = text.trim();
  const number = Number(trimmed);
  return trimmed !== '' && !Number.isNaN(number) ? number : trimmed;
}

/** The value to show when a dialog opens: the stored one, or the setting's default for old or broken flows. */
export function numberToShow(name: NumericSettingName, stored: unknown): number {
  const number = typeof stored === 'number' ? stored : typeof stored === 'string' && stored.trim() !== '' ? Number(stored) : Number.NaN;
  return Number.isNaN(number) ? NUMERIC_SETTINGS[name].default : number;
}
