/**
 * The one dialog template the five event-in types share. Node-RED finds a type's form by the
 * `data-template-name` of a `<script type="text/html">` and reads its text each time a dialog
 * opens, before `oneditprepare`; so the shared template (`#ayla-dss-event-in-template` in
 * nodes/ayla-dss.html) is registered under each type's name as it is, unchanged. The rows of
 * properties a type does not have are removed when its dialog opens (see {@link pruneTypeRows}).
 */
import type { EditorNode } from './red-api';
import { hasProperty } from './dialog-values';

/** Id of the shared template in nodes/ayla-dss.html. */
const SHARED_TEMPLATE_ID = 'ayla-dss-event-in-template';
/** Marks a row that edits one property: it stays only for types whose defaults have it. */
const PROPERTY_ATTRIBUTE = 'data-ayla-dss-property';

/** Registers the shared template under `type`'s name (once; a second call does nothing). */
export function installEventInTemplate(type: string): void {
  const shared = document.getElementById(SHARED_TEMPLATE_ID);
  if (!shared) {
    // A broken editor file, not a user error: say so loudly instead of showing an empty form.
    throw new Error(`ayla-dss: the shared template #${SHARED_TEMPLATE_ID} is missing, so ${type} has no dialog`);
  }
  if (document.querySelector(`script[data-template-name="${type}"]`)) return;
  const template = document.createElement('script');
  template.type = 'text/html';
  template.setAttribute('data-template-name', type);
  template.text = shared.textContent ?? '';
  shared.after(template);
}

/**
 * Removes the open dialog's rows for properties `node`'s type does not have, and the marker
 * from the rows it keeps. Runs first in `oneditprepare`: Node-RED has filled the inputs of the
 * type's own properties by then and never looks at the others.
 */
export function pruneTypeRows(form: JQuery, node: EditorNode): void {
  form.find(`[${PROPERTY_ATTRIBUTE}]`).each(function prune() {
    const row = $(this);
    if (hasProperty(node, String(row.attr(PROPERTY_ATTRIBUTE)))) row.removeAttr(PROPERTY_ATTRIBUTE);
    else row.remove();
  });
}
