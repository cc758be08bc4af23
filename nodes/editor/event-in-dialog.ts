/**
 * The shared dialog of the five event-in types: the rows of the shared template, the account
 * picker, source switching, the hint that points a new node at the field to fill, the device,
 * model and property pickers, the filter and status components, and the running options.
 */
import { createAccountPicker } from './account-picker';
import { prepareRunningOptions, saveRunningOptions } from './event-in-options';
import { mountInNodePickers } from './in-node-pickers';
import { hasProperty } from './dialog-values';
import { pruneTypeRows } from './event-in-template';
import { createFieldMessage } from './field-message';
import { FILTER_PROPERTIES } from './filter-rules';
import { createRuleList, type RuleList } from './rule-list';
import { createStatusPicker, type StatusPicker } from './status-picker';
import { needsScope, sourceOf } from './spec-fields';
import { t } from './translate';
import type { EditorNode } from './red-api';

/** The components of an open dialog, read on save. */
interface OpenDialog {
  ruleLists: Array<{ property: (typeof FILTER_PROPERTIES)[number]; list: RuleList }>;
  statuses: StatusPicker | null;
}

const openDialogs = new WeakMap<EditorNode, OpenDialog>();

/** Spec fields Node-RED fills from the node; old flows without them run with `*`. */
const SPEC_PROPERTIES = ['oemModel', 'dsns', 'properties'];

/**
 * Shows the rows of the chosen source, and while the subscription scope is still "everything"
 * (a freshly dropped node: OEM model and DSNs both `*`, which Ayla refuses) the hint under the
 * DSNs row that says what to fill in.
 */
function followSource(source: JQuery, oemModel: JQuery, dsns: JQuery): () => void {
  const hint = createFieldMessage(dsns.closest('.form-row'));
  return function refresh(): void {
    const auto = sourceOf(source.val()) === 'auto';
    $('.ayla-dss-auto-row').toggle(auto);
    $('.ayla-dss-key-row').toggle(!auto);
    const missing = needsScope(oemModel.val(), dsns.val(), sourceOf(source.val()));
    hint.show(missing ? t('common.hint.scopeRequired') : null, 'hint');
  };
}

/**
 * Puts the cursor in `input` as the dialog opens, ready to type over its `*`. Node-RED's tray
 * focuses its first field 150 ms after it starts to slide in (red.js `RED.tray.show`), which can
 * come after `oneditprepare`: a focus elsewhere in the tray before the user pressed a key or a
 * mouse button is that one, and is sent back once.
 */
function focusAsDialogOpens(input: JQuery): void {
  const tray = input.closest('.red-ui-tray');
  const EVENTS = 'focusin.ayladss mousedown.ayladss keydown.ayladss';
  input.trigger('focus').trigger('select');
  // Attached after the focus above, which is not the one to send back.
  tray.on(EVENTS, (event) => {
    if (event.type === 'focusin' && event.target === input[0]) return;
    tray.off(EVENTS);
    if (event.type === 'focusin') input.trigger('focus').trigger('select');
  });
}

/** `oneditprepare` of the event-in types. */
export function prepareEventInDialog(node: EditorNode): void {
  pruneTypeRows($('#dialog-form'), node);
  const source = $('#node-input-source');
  if (node.source !== 'key') source.val('auto'); // old flows without a source
  for (const property of SPEC_PROPERTIES) {
    if (hasProperty(node, property) && (node[property] === undefined || node[property] === null)) $(`#node-input-${property}`).val('*');
  }
  for (const property of ['registration', 'ack']) {
    const select = $(`#node-input-${property}`);
    if (select.length > 0 && !select.val()) select.val('both'); // old flows without the property
  }

  const oemModel = $('#node-input-oemModel');
  const dsns = $('#node-input-dsns');
  const refresh = followSource(source, oemModel, dsns);
  source.on('change', () => {
    refresh();
    dsns.trigger('change'); // re-run its validator: it depends on source and model
  });
  oemModel.on('change keyup input', () => {
    refresh();
    dsns.trigger('change');
  });
  dsns.on('keyup input', refresh);
  refresh();
  // The model is what most users fill in.
  if (needsScope(oemModel.val(), dsns.val(), sourceOf(source.val()))) focusAsDialogOpens(oemModel);

  createAccountPicker($('#node-input-account'), source);
  const pickers = mountInNodePickers($('#node-input-account'));

  const ruleLists: OpenDialog['ruleLists'] = [];
  for (const property of FILTER_PROPERTIES) {
    const container = $(`[data-ayla-dss-rule-list="${property}"]`);
    if (container.length > 0 && hasProperty(node, property)) {
      ruleLists.push({ property, list: createRuleList(container, property, node[property], pickers.decorateRule(property)) });
    }
  }
  const statusRow = $('[data-ayla-dss-status-picker]');
  const statuses = statusRow.length > 0 && hasProperty(node, 'statuses') ? createStatusPicker(statusRow, node.statuses) : null;
  prepareRunningOptions();
  openDialogs.set(node, { ruleLists, statuses });
}

/** `oneditsave` of the event-in types: the components' values become node properties. */
export function saveEventInDialog(node: EditorNode): void {
  const dialog = openDialogs.get(node);
  if (!dialog) return;
  for (const { property, list } of dialog.ruleLists) node[property] = list.read();
  if (dialog.statuses) node.statuses = dialog.statuses.read();
  saveRunningOptions(node);
  openDialogs.delete(node);
}
