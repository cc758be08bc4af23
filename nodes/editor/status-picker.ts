/**
 * The connectivity node's status filter component: a checkbox per known status and a field for
 * other statuses, with the tip that none at all means every status.
 */
import { CHECKBOX_STATUSES, statusChoiceOf, statusesToSave } from './connectivity-statuses';
import { t } from './translate';

/** A mounted status picker. */
export interface StatusPicker {
  /** The statuses to store; empty = every status. */
  read(): string[];
}

/** The checkbox id of a status (statuses are protocol words: letters only). */
function checkboxId(status: string): string {
  return `ayla-dss-status-${status}`;
}

/** Mounts the picker into `container` (the connectivity dialog's statuses row) from the stored list. */
export function createStatusPicker(container: JQuery, stored: unknown): StatusPicker {
  const choice = statusChoiceOf(stored);
  const known = $('<div class="form-row ayla-dss-statuses"></div>').appendTo(container);
  $('<label></label>').text(t('ayla-connectivity-in.label.statuses')).appendTo(known);
  for (const status of CHECKBOX_STATUSES) {
    $('<input type="checkbox">').attr('id', checkboxId(status)).prop('checked', choice.checked.includes(status)).appendTo(known);
    // The status names are the protocol's values, shown as they arrive in msg.payload.
    $('<label class="ayla-dss-status-label"></label>').attr('for', checkboxId(status)).text(status).appendTo(known);
  }
  const others = $('<div class="form-row"></div>').appendTo(container);
  $('<label for="ayla-dss-status-others"></label>').text(t('ayla-connectivity-in.label.otherStatuses')).appendTo(others);
  const input = $('<input type="text" id="ayla-dss-status-others" style="width:70%">')
    .attr('placeholder', t('ayla-connectivity-in.placeholder.otherStatuses'))
    .val(choice.others)
    .appendTo(others);
  $('<div class="form-tips ayla-dss-under-input"></div>').text(t('ayla-connectivity-in.label.allWhenNone')).appendTo(others);
  return {
    read() {
      const checked = CHECKBOX_STATUSES.filter((status) => $(`#${checkboxId(status)}`).prop('checked') === true);
      return statusesToSave(checked, String(input.val() ?? ''));
    },
  };
}
