/**
 * What the five event-in types share in their definitions: the common `defaults` with their
 * validators, the label, and the hooks into the shared dialog. Each type's registerType in
 * event-in-types.ts adds its own properties to these.
 */
import { CONFIG_VERSION } from '../lib/config-migration';
import type { EventType } from '../lib/event-types';
import { MAX_PARTITIONS, partitionProblem } from '../lib/partition';
import { ACCOUNT_TYPE } from './account-users';
import { currentValue } from './dialog-values';
import { nodeRedValidator } from './escape';
import { ruleListProblem, type FilterProperty } from './filter-rules';
import { eventInScope, shorten } from './node-labels';
import { problem } from './problem';
import { filterListLabel } from './rule-list';
import { dsnsProblem, sourceOf, specFieldProblem } from './spec-fields';
import { describe, t } from './translate';
import type { CatalogKey } from './catalog-keys';
import type { EditorNode, PropertyDefinition, Validator } from './red-api';

/** The node type of an event type's in-node. */
export function eventInType(eventType: EventType): string {
  return `ayla-${eventType}-in`;
}

/** The catalog key of each type's palette label, which also starts its canvas label. */
const PALETTE_LABELS: Readonly<Record<EventType, CatalogKey>> = {
  connectivity: 'ayla-connectivity-in.paletteLabel',
  datapoint: 'ayla-datapoint-in.paletteLabel',
  datapointack: 'ayla-datapointack-in.paletteLabel',
  location: 'ayla-location-in.paletteLabel',
  registration: 'ayla-registration-in.paletteLabel',
};

/** The catalog key of each type's output port label: what its messages carry. */
const OUTPUT_LABELS: Readonly<Record<EventType, CatalogKey>> = {
  connectivity: 'ayla-connectivity-in.outputLabel',
  datapoint: 'ayla-datapoint-in.outputLabel',
  datapointack: 'ayla-datapointack-in.outputLabel',
  location: 'ayla-location-in.outputLabel',
  registration: 'ayla-registration-in.outputLabel',
};

/** The output port label of an event type's in-node (plain text: Node-RED draws it as SVG text). */
export function eventInOutputLabel(eventType: EventType): () => string {
  return () => t(OUTPUT_LABELS[eventType]);
}

/** The palette label of an event type's in-node. */
export function eventInPaletteLabel(eventType: EventType): () => string {
  return () => t(PALETTE_LABELS[eventType]);
}

/** The node's source as a validator must see it: the open dialog's select, else the stored one. */
function sourceNow(node: EditorNode) {
  return sourceOf(currentValue(node, 'source', 'node-input'));
}

/** `validate` of OEM model and properties: `*` or a list, never empty (auto source only). */
export const specValidator: Validator = nodeRedValidator((node, value) => specFieldProblem(value, sourceNow(node)));

/** `validate` of DSNs: as {@link specValidator}, and not `*` while the OEM model is `*`. */
const dsnsValidator: Validator = nodeRedValidator((node, value) =>
  dsnsProblem(value, currentValue(node, 'oemModel', 'node-input'), sourceNow(node)),
);

/** `validate` of a filter list: names the list and the rule (1-based) that cannot be used. */
export function rulesValidator(property: FilterProperty): Validator {
  return nodeRedValidator((_node, value) => {
    const found = ruleListProblem(value);
    if (!found) return null;
    return problem('common.error.invalidFilter', { list: filterListLabel(property), rule: found.index + 1, message: describe(found.problem) });
  });
}

/** `validate` of the share of the fleet: `i/n` or empty (the runtime's `partitionProblem`). */
const partitionValidator: Validator = nodeRedValidator((_node, value) =>
  partitionProblem(value) ? problem('common.error.partition', { max: MAX_PARTITIONS }) : null,
);

/** The input port's label of an in-node with a control input: the commands it takes. */
export function eventInInputLabel(): string {
  return t('common.inputLabel');
}

/**
 * The `defaults` every event-in type has, then the type's own (`own`): the config version
 * (lib/config-migration.ts), name, account, source, the subscription's OEM model and DSNs
 * (`*` = all), the DSN and OEM model filter lists, the share of the fleet, whether it starts by
 * itself, and its control input (`control`, with `inputs`, the port Node-RED draws: 1 with the
 * control input, else 0; set on save, see event-in-options.ts). A fresh object per call:
 * Node-RED keeps and annotates each type's defaults.
 */
export function eventInDefaults(own: Record<string, PropertyDefinition>): Record<string, PropertyDefinition> {
  return {
    configVersion: { value: CONFIG_VERSION },
    name: { value: '' },
    account: { value: '', type: ACCOUNT_TYPE, required: true },
    source: { value: 'auto' },
    oemModel: { value: '*', validate: specValidator },
    dsns: { value: '*', validate: dsnsValidator },
    dsnFilter: { value: [], validate: rulesValidator('dsnFilter') },
    modelFilter: { value: [], validate: rulesValidator('modelFilter') },
    partition: { value: '', validate: partitionValidator },
    autoStart: { value: true },
    control: { value: false },
    inputs: { value: 0 },
    ...own,
  };
}

/** The label of an event-in type: its name, else the palette label and what it listens to. */
export function eventInLabel(eventType: EventType): (this: EditorNode) => string {
  return function label(this: EditorNode): string {
    if (typeof this.name === 'string' && this.name !== '') return this.name;
    const prefix = t(PALETTE_LABELS[eventType]);
    const scope = eventInScope(this, Object.prototype.hasOwnProperty.call(this._def.defaults, 'properties'));
    return scope.kind === 'key' ? `${prefix}: ${t('common.label.streamKey')}` : shorten(`${prefix}: ${scope.text}`);
  };
}

/** Named nodes show their label in italics, as Node-RED's core nodes do. */
export function eventInLabelStyle(this: EditorNode): string {
  return typeof this.name === 'string' && this.name !== '' ? 'node_label_italic' : '';
}
