/**
 * The `ayla-datapoint-out` node type: its definition (one literal object, as Node-RED's tools
 * read it) and its dialog: the account, the device and property pickers (only properties the
 * node can write are offered), the ack options. An empty device or property is taken from
 * each message (msg.topic `<dsn>/<property>`, or msg.dsn and msg.property), which the
 * template's tip says under the fields.
 */
import { CONFIG_VERSION } from '../lib/config-migration';
import { NUMERIC_SETTINGS } from '../lib/node-options';
import { ACCOUNT_TYPE } from './account-users';
import { createPicker } from './device-picker';
import { nodeRedValidator } from './escape';
import { createFieldMessage } from './field-message';
import { lookupAccountOf } from './lookup-client';
import { shorten } from './node-labels';
import { createNumericField, type NumericField } from './numeric-field';
import { numericFieldProblem } from './numeric-settings';
import { createPickerCheck } from './picker-check';
import { t } from './translate';
import type { EditorNode } from './red-api';

/** The node type name. */
export const DATAPOINT_OUT_TYPE = 'ayla-datapoint-out';

/** The open dialogs' ack timeout fields, read on save. */
const ackFields = new WeakMap<EditorNode, NumericField>();

/** What an unnamed out node writes to: `dsn/property`, either part '' when it comes from the message. */
export function outTarget(dsn: unknown, property: unknown): string {
  const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
  const parts = [text(dsn), text(property)];
  return parts.some((part) => part !== '') ? parts.join('/') : '';
}

/** The canvas label: the name, else the palette label and the target it writes to. */
function outLabel(this: EditorNode): string {
  if (typeof this.name === 'string' && this.name !== '') return this.name;
  const target = outTarget(this.dsn, this.property);
  const prefix = t('ayla-datapoint-out.paletteLabel');
  return target === '' ? prefix : shorten(`${prefix}: ${target}`);
}

/** `oneditprepare`: pickers on the device and property fields, the ack timeout spinner. */
function prepareOutDialog(node: EditorNode): void {
  const accountSelect = $('#node-input-account');
  const account = () => lookupAccountOf(String(accountSelect.val() ?? ''));
  const dsnInput = $('#node-input-dsn');
  const propertyInput = $('#node-input-property');
  const dsn = (): string | null => {
    const text = String(dsnInput.val() ?? '').trim();
    return text === '' ? null : text;
  };
  const dsnRow = dsnInput.closest('.form-row');
  const propertyRow = propertyInput.closest('.form-row');
  const pickers = [
    createPicker({ kind: 'device', input: dsnInput, account, list: false }),
    createPicker({ kind: 'property', input: propertyInput, account, list: false, dsn, writableOnly: true }),
  ];
  const checks = [
    createPickerCheck({ kind: 'device', input: dsnInput, account, list: false, hint: createFieldMessage(dsnRow) }),
    createPickerCheck({ kind: 'property', input: propertyInput, account, list: false, dsn, writableOnly: true, hint: createFieldMessage(propertyRow) }),
  ];
  // Another device has other properties: the property's check follows it.
  dsnInput.on('change', () => {
    pickers[1].reset();
    checks[1].run();
  });
  accountSelect.on('change', () => {
    for (const picker of pickers) picker.reset();
    for (const check of checks) check.run();
  });
  for (const check of checks) check.run();

  const waitForAck = $('#node-input-waitForAck');
  const followAck = (): void => {
    $('.ayla-dss-ack-row').toggle(waitForAck.prop('checked') === true);
  };
  waitForAck.on('change', followAck);
  followAck();
  ackFields.set(node, createNumericField($('#ayla-dss-ackTimeout'), 'ackTimeout', node.ackTimeout));
}

/** `oneditsave`: the ack timeout is not a Node-RED input, so it is stored here. */
function saveOutDialog(node: EditorNode): void {
  const field = ackFields.get(node);
  if (field) node.ackTimeout = field.read();
  ackFields.delete(node);
}

/** Registers the out node type. */
export function registerDatapointOutType(): void {
  RED.nodes.registerType('ayla-datapoint-out', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: {
      configVersion: { value: CONFIG_VERSION },
      name: { value: '' },
      account: { value: '', type: ACCOUNT_TYPE, required: true },
      dsn: { value: '' },
      property: { value: '' },
      waitForAck: { value: false },
      ackTimeout: { value: NUMERIC_SETTINGS.ackTimeout.default, validate: nodeRedValidator((_node, value) => numericFieldProblem('ackTimeout', value)) },
    },
    inputs: 1,
    outputs: 1,
    inputLabels: () => t('ayla-datapoint-out.inputLabel'),
    outputLabels: () => t('ayla-datapoint-out.outputLabel'),
    align: 'right',
    icon: 'ayla-datapoint-out.svg',
    paletteLabel: () => t('ayla-datapoint-out.paletteLabel'),
    label: outLabel,
    labelStyle() {
      return typeof this.name === 'string' && this.name !== '' ? 'node_label_italic' : '';
    },
    oneditprepare() {
      prepareOutDialog(this);
    },
    oneditsave() {
      saveOutDialog(this);
    },
  });
}
