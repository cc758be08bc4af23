/**
 * The device, OEM model and property pickers: a panel under a text field that offers the
 * account's devices (searched and paged by the runtime), the models of its devices, or one
 * device's properties as the user types (debounced), with a refresh button. Picking fills the
 * field (a comma list completes its last entry); typing anything else stays possible. Every
 * text from the server is set with jQuery's `.text()`, never as HTML.
 *
 * The panel floats over the dialog (placed under the field, inside the edit tray) instead of
 * pushing the rows below it down: a click on a row below the field closes the panel as the
 * field loses the focus, and would otherwise land where that row no longer is.
 */
import { fetchDevices, fetchProperties, LookupError } from './lookup-client';
import { deviceDetail, modelChoices, propertyChoices, propertyDetail, searchText, withPicked, type LookupAccount, type PickerKind, type PropertyChoice } from './picker-model';
import { t } from './translate';

/** Devices per page of the device list. */
export const DEVICE_PAGE = 20;
/** Devices read to list the models of (one page). */
const MODEL_SOURCE_PAGE = 200;
/** Quiet time after the last key before the list is asked for (ms). */
const TYPING_DEBOUNCE_MS = 250;

/** What a picker needs from its dialog. */
export interface PickerOptions {
  kind: PickerKind;
  /** The text field it completes. */
  input: JQuery;
  /** The selected account, or null. */
  account: () => LookupAccount | null;
  /** The field is a comma list: the last entry is completed. */
  list: boolean;
  /** Property pickers: the device whose properties are offered, or null to choose one first. */
  dsn?: () => string | null;
  /** Property pickers choosing a device: what to search the devices for (e.g. the OEM model). */
  deviceSearch?: () => string;
  /** Property pickers: offer only properties an out node can write. */
  writableOnly?: boolean;
  /** The picker works only while this holds (e.g. a rule row in `exact` mode). */
  enabled?: () => boolean;
}

/** A mounted picker. */
export interface Picker {
  /** Closes the panel and forgets what it loaded (the account changed). */
  reset(): void;
}

/** One line of the panel: the value it fills in, and the texts it shows. */
interface Choice {
  value: string;
  main: string;
  detail: string;
  /** A device chosen to list its properties, not a value for the field. */
  device?: boolean;
}

/** Mounts a picker on `options.input`. */
export function createPicker(options: PickerOptions): Picker {
  const { input } = options;
  const tray = input.closest('.red-ui-tray');
  const panel = $('<div class="ayla-dss-picker"></div>').hide().appendTo(tray.length > 0 ? tray : $('body'));
  const head = $('<div class="ayla-dss-picker-head"></div>').appendTo(panel);
  const count = $('<span class="ayla-dss-picker-count"></span>').appendTo(head);
  const otherDevice = $('<a href="#" class="ayla-dss-picker-switch"></a>').text(t('common.picker.otherDevice')).hide().appendTo(head);
  const refresh = $('<button type="button" class="red-ui-button red-ui-button-small ayla-dss-picker-refresh"><i class="fa fa-refresh"></i></button>')
    .attr('title', t('common.picker.refresh'))
    .appendTo(head);
  const list = $('<ul class="ayla-dss-picker-list"></ul>').appendTo(panel);
  const more = $('<button type="button" class="red-ui-button red-ui-button-small ayla-dss-picker-more"></button>').text(t('common.picker.more')).hide();
  $('<div class="ayla-dss-picker-foot"></div>').append(more).appendTo(panel);
  const foot = $('<div class="ayla-dss-picker-foot ayla-dss-picker-message"></div>').appendTo(panel);

  let generation = 0;
  let typing: ReturnType<typeof setTimeout> | null = null;
  let choices: Choice[] = [];
  let active = -1;
  let total = 0;
  let chosenDsn: string | null = null;
  /** Typed into since the panel opened: only then does the field's text narrow the choices (opening offers them all). */
  let typed = false;
  let choosingDevice = false;
  const properties = new Map<string, PropertyChoice[]>();

  const enabled = (): boolean => !options.enabled || options.enabled();
  const propertyDsn = (): string | null => (choosingDevice ? null : chosenDsn ?? options.dsn?.() ?? null);

  function message(text: string, kind: 'info' | 'error'): void {
    foot.toggleClass('ayla-dss-failed', kind === 'error').toggleClass('ayla-dss-muted', kind === 'info').text(text);
  }

  function render(append: Choice[], offset: number): void {
    if (offset === 0) {
      list.empty();
      choices = [];
      active = -1;
    }
    for (const choice of append) {
      const item = $('<li class="ayla-dss-picker-item"></li>').attr('data-value', choice.value).appendTo(list);
      $('<span class="ayla-dss-picker-main"></span>').text(choice.main).appendTo(item);
      $('<span class="ayla-dss-picker-detail"></span>').text(choice.detail).appendTo(item);
      const index = choices.length;
      item.on('click', () => pick(index));
      choices.push(choice);
    }
  }

  function failed(error: unknown): void {
    render([], 0);
    count.text('');
    more.hide();
    const failure = error instanceof LookupError ? error.failure : { code: '', message: String(error) };
    message(failure.code === 'STORED_CREDENTIALS_ELSEWHERE' ? t('common.picker.retypeSecrets') : t('common.picker.failed', { message: failure.message }), 'error');
  }

  /** Loads what the panel shows for the field's text; `offset` > 0 appends the next page of devices. */
  function load(offset: number, fresh: boolean): void {
    const account = options.account();
    const run = ++generation;
    more.hide();
    if (!account) {
      render([], 0);
      count.text('');
      message(t('common.picker.noAccount'), 'info');
      return;
    }
    message(t('common.picker.loading'), 'info');
    const search = typed ? searchText(String(input.val() ?? ''), options.list) : '';
    const current = (): boolean => run === generation;
    if (options.kind === 'property' && propertyDsn() !== null) {
      loadProperties(account, propertyDsn() as string, search, fresh, current);
      return;
    }
    const deviceMode = options.kind === 'device' || options.kind === 'property';
    const query = options.kind === 'property' ? options.deviceSearch?.() ?? '' : search;
    const limit = options.kind === 'model' ? MODEL_SOURCE_PAGE : DEVICE_PAGE;
    fetchDevices(account, { search: query, limit, offset, refresh: fresh }).then(
      (page) => {
        if (!current()) return;
        total = page.total;
        if (deviceMode) {
          render(page.devices.map((device) => ({ value: device.dsn, main: device.dsn, detail: deviceDetail(device), device: options.kind === 'property' })), offset);
          count.text(options.kind === 'property' ? t('common.picker.chooseDevice') : t('common.picker.devices', { shown: choices.length, count: total }));
          more.toggle(choices.length < total);
          message(choices.length === 0 ? t('common.picker.noDevices') : '', 'info');
        } else {
          const models = modelChoices(page.devices);
          render(models.map((model) => ({ value: model.model, main: model.model, detail: model.productName ?? '' })), 0);
          count.text(t('common.picker.models', { count: models.length }));
          message(models.length === 0 ? t('common.picker.noDevices') : '', 'info');
        }
        otherDevice.hide();
      },
      (error: unknown) => {
        if (current()) failed(error);
      },
    );
  }

  function loadProperties(account: LookupAccount, dsn: string, search: string, fresh: boolean, current: () => boolean): void {
    const known = fresh ? undefined : properties.get(dsn);
    const shown = (all: PropertyChoice[]): void => {
      const offered = propertyChoices(all, search, options.writableOnly === true);
      const words = { input: t('common.picker.direction.input'), output: t('common.picker.direction.output'), readOnly: t('common.picker.readOnly') };
      render(offered.map((property) => ({ value: property.name, main: property.name, detail: propertyDetail(property, words) })), 0);
      count.text(t('common.picker.properties', { count: offered.length, dsn }));
      otherDevice.show();
      message(offered.length === 0 ? t('common.picker.noProperties') : '', 'info');
    };
    if (known) {
      shown(known);
      return;
    }
    fetchProperties(account, dsn, fresh).then(
      (answer) => {
        properties.set(dsn, answer.properties);
        if (current()) shown(answer.properties);
      },
      (error: unknown) => {
        if (current()) failed(error);
      },
    );
  }

  /** Shows the panel right under the field, as wide as the field. */
  function place(): void {
    const field = input[0].getBoundingClientRect();
    const parent = (panel.parent()[0] as HTMLElement).getBoundingClientRect();
    panel.css({ top: field.bottom - parent.top + 2, left: field.left - parent.left, width: Math.max(field.width, 380) }).show();
  }

  function open(): void {
    if (!enabled()) return;
    typed = false;
    place();
    load(0, false);
  }

  function close(): void {
    generation++;
    if (typing) clearTimeout(typing);
    typing = null;
    panel.hide();
  }

  function pick(index: number): void {
    const choice = choices[index];
    if (!choice) return;
    if (choice.device) {
      chosenDsn = choice.value;
      choosingDevice = false;
      load(0, false);
      return;
    }
    input.val(withPicked(String(input.val() ?? ''), choice.value, options.list));
    input.trigger('change');
    close(); // the field keeps the focus (the panel never takes it): a click in it opens the panel again
  }

  function highlight(index: number): void {
    active = Math.max(-1, Math.min(index, choices.length - 1));
    const items = list.children();
    items.removeClass('ayla-dss-picker-active');
    if (active >= 0) items.eq(active).addClass('ayla-dss-picker-active')[0]?.scrollIntoView({ block: 'nearest' });
  }

  input.on('focus click', () => {
    if (!panel.is(':visible')) open();
  });
  input.on('input', () => {
    if (!enabled()) return;
    typed = true;
    place();
    if (typing) clearTimeout(typing);
    typing = setTimeout(() => {
      typing = null;
      load(0, false);
    }, TYPING_DEBOUNCE_MS);
  });
  input.on('keydown', (event) => {
    if (!panel.is(':visible')) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      highlight(active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  // The panel keeps the focus in the field, so a click on it is not a blur that closes it.
  panel.on('mousedown', (event) => event.preventDefault());
  input.on('blur', () => close());
  // The field moves with the dialog's scrolling, the panel would not.
  input.closest('.red-ui-tray-body').on('scroll', () => {
    if (panel.is(':visible')) close();
  });
  refresh.on('click', () => load(0, true));
  more.on('click', () => load(choices.length, false));
  otherDevice.on('click', (event) => {
    event.preventDefault();
    chosenDsn = null;
    choosingDevice = true;
    load(0, false);
  });

  return {
    reset() {
      properties.clear();
      chosenDsn = null;
      choosingDevice = false;
      close();
    },
  };
}
