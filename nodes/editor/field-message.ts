/**
 * A line of text under a dialog row: a validation message, or a hint that says what to fill in.
 * Node-RED only marks an invalid field red and hides the reason in a hover tooltip; these lines
 * say it where the user looks.
 */

/** A message line; `show(null)` hides it. */
export interface FieldMessage {
  show(text: string | null, kind?: 'error' | 'hint'): void;
}

/** Creates a hidden message line right after `row` (a `.form-row`). */
export function createFieldMessage(row: JQuery): FieldMessage {
  const line = $('<div class="ayla-dss-field-message"></div>').hide().insertAfter(row);
  return {
    show(text, kind = 'error') {
      line.toggleClass('ayla-dss-field-hint', kind === 'hint' && text !== null).text(text ?? '').toggle(text !== null);
    },
  };
}
