/**
 * The connectivity node's status filter as the dialog shows it: a checkbox per status the
 * protocol names (KNOWN_CONNECTIVITY_STATUSES, shared with the runtime) and a text field for
 * any other status a newer server may send.
 */
import { KNOWN_CONNECTIVITY_STATUSES } from '../lib/event-types';

/** The statuses that get a checkbox. */
export const CHECKBOX_STATUSES: readonly string[] = KNOWN_CONNECTIVITY_STATUSES;

/** A stored status list split for the dialog: the checked known statuses and the others as text. */
export interface StatusChoice {
  checked: string[];
  /** Other statuses, comma-separated. */
  others: string;
}

/** Splits a stored list (non-strings from a broken flow are dropped). */
export function statusChoiceOf(stored: unknown): StatusChoice {
  const statuses = Array.isArray(stored) ? stored.filter((status): status is string => typeof status === 'string') : [];
  return {
    checked: CHECKBOX_STATUSES.filter((status) => statuses.includes(status)),
    others: statuses.filter((status) => !CHECKBOX_STATUSES.includes(status)).join(', '),
  };
}

/** The list to store: checked statuses first, then the others, trimmed, without blanks or repeats. Empty = every status. */
export function statusesToSave(checked: readonly string[], othersText: string): string[] {
  const statuses: string[] = [];
  for (const status of [...checked, ...othersText.split(',')].map((entry) => entry.trim())) {
    if (status !== '' && !statuses.includes(status)) statuses.push(status);
  }
  return statuses;
}
