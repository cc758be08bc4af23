/**
 * The pickers' soft warning: once a field holding DSNs, OEM models or property names is
 * changed, each named value is looked for among the account's devices (or the device's
 * properties), and a hint under the field names the first one the account does not have. It
 * never blocks saving: the list may be out of date, or the device not registered yet. A
 * look-up that fails says nothing here (the picker's panel shows why).
 */
import type { FieldMessage } from './field-message';
import { fetchDevices, fetchProperties } from './lookup-client';
import { isWritable, namedEntries, type LookupAccount, type PickerKind } from './picker-model';
import { t } from './translate';

/** Values of one field checked at most (a long DSN list is not sent as dozens of requests). */
const MAX_CHECKED = 10;
/** Devices read per checked value: a DSN or model search may also match others. */
const CHECK_PAGE = 50;

/** What a check needs from its dialog. */
export interface CheckOptions {
  kind: PickerKind;
  input: JQuery;
  account: () => LookupAccount | null;
  list: boolean;
  /** Property fields: the device to look in (null: nothing to check against). */
  dsn?: () => string | null;
  /** Property fields of an out node: a property that cannot be written is named too. */
  writableOnly?: boolean;
  /** The check runs only while this holds (e.g. a rule row in `exact` mode). */
  enabled?: () => boolean;
  /** Where the hint goes. */
  hint: FieldMessage;
}

/** A mounted check. */
export interface PickerCheck {
  /** Checks the field's current text now. */
  run(): void;
}

/** The hint for the first of `values` the account does not have, or null. */
async function findUnknown(options: CheckOptions, account: LookupAccount, values: string[]): Promise<string | null> {
  if (options.kind === 'property') {
    const dsn = options.dsn?.() ?? null;
    if (dsn === null) return null;
    const { properties } = await fetchProperties(account, dsn, false);
    for (const value of values) {
      const property = properties.find((candidate) => candidate.name === value);
      if (!property) return t('common.picker.unknownProperty', { dsn, property: value });
      if (options.writableOnly && !isWritable(property)) return t('common.picker.notWritable', { dsn, property: value });
    }
    return null;
  }
  const pages = await Promise.all(values.map((value) => fetchDevices(account, { search: value, limit: CHECK_PAGE, offset: 0, refresh: false })));
  for (const [index, value] of values.entries()) {
    const devices = pages[index].devices;
    if (options.kind === 'device' && !devices.some((device) => device.dsn === value)) return t('common.picker.unknownDevice', { dsn: value });
    if (options.kind === 'model' && !devices.some((device) => device.oemModel === value)) return t('common.picker.unknownModel', { model: value });
  }
  return null;
}

/** Mounts the check on `options.input`: it runs on every `change` of the field. */
export function createPickerCheck(options: CheckOptions): PickerCheck {
  let generation = 0;
  function run(): void {
    const current = ++generation;
    const account = options.account();
    const values = namedEntries(String(options.input.val() ?? ''), options.list, MAX_CHECKED);
    if (!account || values.length === 0 || (options.enabled && !options.enabled())) {
      options.hint.show(null);
      return;
    }
    findUnknown(options, account, values).then(
      (text) => {
        if (current === generation) options.hint.show(text, text === null ? 'error' : 'hint');
      },
      () => {
        if (current === generation) options.hint.show(null);
      },
    );
  }
  options.input.on('change', run);
  return { run };
}
