/**
 * The filter rule list component: a label and a sortable, removable list of {mode, pattern}
 * rows (Node-RED's editableList), each row checked as it is typed with the runtime's rule.
 */
import { isMatchMode, MATCH_MODES, ruleFromRow, ruleProblem, rulesToSave, type FilterProperty } from './filter-rules';
import { describe, t } from './translate';

/** The controls of one rule row, for a component that decorates it (the pickers of `exact` rows). */
export interface RuleRowParts {
  /** The line holding the mode select and the pattern input. */
  line: JQuery;
  mode: JQuery;
  pattern: JQuery;
}

/** A mounted rule list. */
export interface RuleList {
  /** The rules to store: rows with a pattern, in their current order. */
  read(): Array<{ mode: string; pattern: string }>;
}

/** The catalog label of each list (the same words the runtime uses for its field names). */
const LIST_LABELS = {
  dsnFilter: 'common.label.dsnFilter',
  modelFilter: 'common.label.modelFilter',
  propertyFilter: 'common.label.propertyFilter',
} as const;

/** The label of a filter list, for messages that name it. */
export function filterListLabel(property: FilterProperty): string {
  return t(LIST_LABELS[property]);
}

/** What a row holds when it is added: a stored rule (possibly from a broken flow) or nothing. */
interface RowData {
  mode?: unknown;
  pattern?: unknown;
}

function placeholderKey(property: FilterProperty, mode: string) {
  const safeMode = isMatchMode(mode) ? mode : 'exact';
  return `common.placeholder.${property}.${safeMode}` as const;
}

function readRow(row: JQuery): { mode: string; pattern: string } {
  return ruleFromRow(String(row.find('.ayla-dss-rule-mode').val() ?? ''), String(row.find('.ayla-dss-rule-pattern').val() ?? ''));
}

/** Builds one row's controls into the editableList item `row`, then lets `decorate` add to them. */
function buildRow(row: JQuery, property: FilterProperty, data: RowData, decorate?: (parts: RuleRowParts) => void): void {
  const line = $('<div class="ayla-dss-rule-line"></div>').appendTo(row);
  const mode = $('<select class="ayla-dss-rule-mode"></select>').appendTo(line);
  for (const name of MATCH_MODES) $('<option></option>').val(name).text(t(`common.mode.${name}`)).appendTo(mode);
  const wanted = typeof data.mode === 'string' ? data.mode : 'exact';
  // An unknown mode from an imported flow stays visible (and flagged) instead of silently
  // turning into "exact".
  if (!isMatchMode(wanted)) $('<option></option>').val(wanted).text(wanted).appendTo(mode);
  mode.val(wanted);
  const pattern = $('<input type="text" class="ayla-dss-rule-pattern">').appendTo(line);
  pattern.val(typeof data.pattern === 'string' ? data.pattern : '');
  const message = $('<div class="ayla-dss-rule-error"></div>').appendTo(row).hide();

  function check(): void {
    const current = readRow(row);
    pattern.attr('placeholder', t(placeholderKey(property, current.mode)));
    // An untouched empty row is dropped on save, so only real mistakes are flagged.
    const found = current.pattern === '' ? null : ruleProblem(current);
    pattern.toggleClass('input-error', found !== null);
    message.text(found ? describe(found) : '').toggle(found !== null);
  }
  mode.on('change', check);
  pattern.on('change keyup input', check);
  check();
  decorate?.({ line, mode, pattern });
}

/**
 * Mounts a rule list into `container` (a `.form-row`): a label and an `<ol id="ayla-dss-<property>">`.
 *
 * @param rules - the stored list; anything that is not a list shows as no rules
 * @param decorate - called with each row's controls once they are built
 */
export function createRuleList(container: JQuery, property: FilterProperty, rules: unknown, decorate?: (parts: RuleRowParts) => void): RuleList {
  $('<label class="ayla-dss-list-label"></label>').text(filterListLabel(property)).appendTo(container);
  // No min-height on the <ol> itself: editableList fixes its container to the element's height
  // at creation, which would clip the rows; the stylesheet gives the container one.
  const list = $('<ol class="ayla-dss-rule-list"></ol>').attr('id', `ayla-dss-${property}`).appendTo(container);
  list.editableList<RowData>({
    addButton: t('common.button.addRule'),
    height: 'auto',
    sortable: true,
    removable: true,
    scrollOnAdd: false,
    addItem: (row, _index, data) => buildRow(row, property, data, decorate),
  });
  for (const rule of Array.isArray(rules) ? (rules as unknown[]) : []) {
    const data: RowData = rule !== null && typeof rule === 'object' ? { mode: (rule as RowData).mode, pattern: (rule as RowData).pattern } : {};
    list.editableList('addItem', data);
  }
  return {
    read() {
      const rows: Array<{ mode: string; pattern: string }> = [];
      list.editableList('items').each(function collect() {
        rows.push(readRow($(this)));
      });
      return rulesToSave(rows);
    },
  };
}
