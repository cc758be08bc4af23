/**
 * The account dialog's heartbeat field: a spinner bounded by NUMERIC_SETTINGS and a line under
 * it naming the accepted range while the value is outside it. The input is not Node-RED's
 * (`#ayla-dss-heartbeatTimeout`, not `#node-config-input-…`): the property is a number, and
 * Node-RED would store the text.
 */
import { HEARTBEAT, heartbeatProblem, heartbeatToSave, heartbeatToShow } from './account-settings';
import { createFieldMessage } from './field-message';
import { describe } from './translate';

/** A mounted heartbeat field. */
export interface HeartbeatField {
  /** The value to store (see `heartbeatToSave`). */
  read(): number | string;
}

/** Mounts the spinner on `input` with the node's stored value. */
export function createHeartbeatField(input: JQuery, stored: unknown): HeartbeatField {
  const message = createFieldMessage(input.closest('.form-row'));
  input.val(heartbeatToShow(stored));
  function check(): void {
    const found = heartbeatProblem(String(input.val() ?? '').trim());
    input.toggleClass('input-error', found !== null);
    message.show(found ? describe(found) : null);
  }
  input.spinner({ min: HEARTBEAT.min, max: HEARTBEAT.max, step: 1, change: check, stop: check });
  input.on('keyup change input', check);
  check();
  return { read: () => heartbeatToSave(String(input.val() ?? '')) };
}
