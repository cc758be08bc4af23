/**
 * The five event-in node types. Each registerType stays one literal object with literal
 * category, color, icon and port counts (the input port only shows with the control input:
 * `inputs` in the defaults), as Node-RED's tools (node-red-dev's scorecard) read
 * them; what the types share in substance comes from event-in-definition.ts and the dialog from
 * the one shared template (event-in-template.ts).
 */
import {
  eventInDefaults,
  eventInInputLabel,
  eventInLabel,
  eventInLabelStyle,
  eventInOutputLabel,
  eventInPaletteLabel,
  eventInType,
  rulesValidator,
  specValidator,
} from './event-in-definition';
import { prepareEventInDialog, saveEventInDialog } from './event-in-dialog';
import { installEventInTemplate } from './event-in-template';
import { EVENT_TYPES } from '../lib/event-types';
import type { EditorNode } from './red-api';

/** `oneditprepare` / `oneditsave` of every event-in type. */
function prepare(this: EditorNode): void {
  prepareEventInDialog(this);
}
function save(this: EditorNode): void {
  saveEventInDialog(this);
}

/** Registers the five event-in types and gives each the shared dialog template. */
export function registerEventInTypes(): void {
  RED.nodes.registerType('ayla-connectivity-in', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: eventInDefaults({
      statuses: { value: [] },
      initial: { value: false },
    }),
    credentials: { streamKey: { type: 'password' } },
    inputs: 0,
    outputs: 1,
    inputLabels: eventInInputLabel,
    outputLabels: eventInOutputLabel('connectivity'),
    icon: 'ayla-connectivity.svg',
    paletteLabel: eventInPaletteLabel('connectivity'),
    label: eventInLabel('connectivity'),
    labelStyle: eventInLabelStyle,
    oneditprepare: prepare,
    oneditsave: save,
  });

  RED.nodes.registerType('ayla-datapoint-in', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: eventInDefaults({
      properties: { value: '*', validate: specValidator },
      propertyFilter: { value: [], validate: rulesValidator('propertyFilter') },
      onlyChanges: { value: false },
      initial: { value: false },
    }),
    credentials: { streamKey: { type: 'password' } },
    inputs: 0,
    outputs: 1,
    inputLabels: eventInInputLabel,
    outputLabels: eventInOutputLabel('datapoint'),
    icon: 'ayla-datapoint.svg',
    paletteLabel: eventInPaletteLabel('datapoint'),
    label: eventInLabel('datapoint'),
    labelStyle: eventInLabelStyle,
    oneditprepare: prepare,
    oneditsave: save,
  });

  RED.nodes.registerType('ayla-datapointack-in', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: eventInDefaults({
      properties: { value: '*', validate: specValidator },
      propertyFilter: { value: [], validate: rulesValidator('propertyFilter') },
      ack: { value: 'both' },
      onlyChanges: { value: false },
    }),
    credentials: { streamKey: { type: 'password' } },
    inputs: 0,
    outputs: 1,
    inputLabels: eventInInputLabel,
    outputLabels: eventInOutputLabel('datapointack'),
    icon: 'ayla-datapointack.svg',
    paletteLabel: eventInPaletteLabel('datapointack'),
    label: eventInLabel('datapointack'),
    labelStyle: eventInLabelStyle,
    oneditprepare: prepare,
    oneditsave: save,
  });

  RED.nodes.registerType('ayla-location-in', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: eventInDefaults({
      initial: { value: false },
    }),
    credentials: { streamKey: { type: 'password' } },
    inputs: 0,
    outputs: 1,
    inputLabels: eventInInputLabel,
    outputLabels: eventInOutputLabel('location'),
    icon: 'ayla-location.svg',
    paletteLabel: eventInPaletteLabel('location'),
    label: eventInLabel('location'),
    labelStyle: eventInLabelStyle,
    oneditprepare: prepare,
    oneditsave: save,
  });

  RED.nodes.registerType('ayla-registration-in', {
    category: 'Ayla DSS',
    color: '#7FB7DF',
    defaults: eventInDefaults({
      registration: { value: 'both' },
    }),
    credentials: { streamKey: { type: 'password' } },
    inputs: 0,
    outputs: 1,
    inputLabels: eventInInputLabel,
    outputLabels: eventInOutputLabel('registration'),
    icon: 'ayla-registration.svg',
    paletteLabel: eventInPaletteLabel('registration'),
    label: eventInLabel('registration'),
    labelStyle: eventInLabelStyle,
    oneditprepare: prepare,
    oneditsave: save,
  });

  for (const eventType of EVENT_TYPES) installEventInTemplate(eventInType(eventType));
}
