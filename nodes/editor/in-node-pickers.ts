/**
 * The pickers of an event-in dialog: the OEM model, DSNs and properties fields (comma lists:
 * the last entry is completed) and the filter rule rows in `exact` mode offer the selected
 * account's models, devices and properties, each with its soft warning. The properties come
 * from the first DSN of the DSNs field, or from a device chosen in the panel (searched by the
 * first OEM model). Changing the account starts them afresh.
 */
import { createPicker, type Picker, type PickerOptions } from './device-picker';
import { createFieldMessage, type FieldMessage } from './field-message';
import type { FilterProperty } from './filter-rules';
import { lookupAccountOf } from './lookup-client';
import { createPickerCheck, type PickerCheck } from './picker-check';
import { firstNamed, type LookupAccount, type PickerKind } from './picker-model';
import type { RuleRowParts } from './rule-list';

/** The picker kind of each filter list's `exact` rows. */
const RULE_KINDS: Readonly<Record<FilterProperty, PickerKind>> = { dsnFilter: 'device', modelFilter: 'model', propertyFilter: 'property' };

/** The in-node dialog's pickers; `decorateRule` is handed to each filter list. */
export interface InNodePickers {
  decorateRule(property: FilterProperty): (parts: RuleRowParts) => void;
}

/** A hint line inside a rule row, under its controls (the row's own error line stays for errors). */
function ruleHint(line: JQuery): FieldMessage {
  const hint = $('<div class="ayla-dss-rule-hint"></div>').hide().insertAfter(line);
  return {
    show(text) {
      hint.text(text ?? '').toggle(text !== null);
    },
  };
}

/** Mounts the pickers on the open event-in dialog's fields. */
export function mountInNodePickers(accountSelect: JQuery): InNodePickers {
  const account = (): LookupAccount | null => lookupAccountOf(String(accountSelect.val() ?? ''));
  const oemModel = $('#node-input-oemModel');
  const dsns = $('#node-input-dsns');
  const firstDsn = (): string | null => firstNamed(String(dsns.val() ?? ''));
  const firstModel = (): string => firstNamed(String(oemModel.val() ?? '')) ?? '';
  const pickers: Picker[] = [];
  const checks: PickerCheck[] = [];

  function mount(options: Omit<PickerOptions, 'account'>, hint: FieldMessage): void {
    pickers.push(createPicker({ ...options, account }));
    checks.push(createPickerCheck({ ...options, account, hint }));
  }

  const field = (input: JQuery, kind: PickerKind): void => {
    if (input.length === 0) return;
    const row = input.closest('.form-row');
    mount({ kind, input, list: true, dsn: firstDsn, deviceSearch: firstModel }, createFieldMessage(row));
  };
  field(oemModel, 'model');
  field(dsns, 'device');
  field($('#node-input-properties'), 'property');

  accountSelect.on('change', () => {
    for (const picker of pickers) picker.reset();
    for (const check of checks) check.run();
  });
  for (const check of checks) check.run();

  return {
    decorateRule(property) {
      return ({ line, mode, pattern }) => {
        const exact = (): boolean => mode.val() === 'exact';
        mount(
          { kind: RULE_KINDS[property], input: pattern, list: false, dsn: firstDsn, deviceSearch: firstModel, enabled: exact },
          ruleHint(line),
        );
        const check = checks[checks.length - 1];
        mode.on('change', () => check.run());
        check.run();
      };
    },
  };
}
