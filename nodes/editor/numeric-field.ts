/**
 * A numeric setting's field in a dialog (heartbeat timeout, write rate, ack timeout): a spinner
 * bounded by NUMERIC_SETTINGS and a line under it naming the accepted range while the value is
 * outside it. The input is not Node-RED's (`#ayla-dss-<setting>`, not `#node-input-…`): the
 * property is a number, and Node-RED would store the text; the dialog's `oneditsave` stores
 * {@link NumericField.read}.
 */
import { NUMERIC_SETTINGS, type NumericSettingName } from '../lib/node-options';
import { createFieldMessage } from './field-message';
import { numberToSave, numberToShow, numericFieldProblem } from './numeric-settings';
import { describe } from './translate';

/** A mounted numeric field. */
export interface NumericField {
  /** The value to store (see `numberToSave`). */
  read(): number | string;
}

/** Mounts the spinner for setting `name` on `input`, showing the node's stored value. */
export function createNumericField(input: JQuery, name: NumericSettingName, stored: unknown): NumericField {
  const setting = NUMERIC_SETTINGS[name];
  const message = createFieldMessage(input.closest('.form-row'));
  input.val(numberToShow(name, stored));
  function check(): void {
    const found = numericFieldProblem(name, String(input.val() ?? '').trim());
    input.toggleClass('input-error', found !== null);
    message.show(found ? describe(found) : null);
  }
  input.spinner({ min: setting.min, max: setting.max, step: 1, change: check, stop: check });
  input.on('keyup change input', check);
  check();
  return { read: () => numberToSave(String(input.val() ?? '')) };
}
