/**
 * The running options of an event-in dialog: the share of the fleet (`i/n`, checked as typed
 * with the runtime's `partitionProblem`), whether the node starts by itself, and its control
 * input. Node-RED draws an input port when a node's `inputs` is 1; the control checkbox sets it
 * on save (Node-RED reads `inputs` after `oneditsave` and removes the wires of a port that
 * went away: red.js `updateNodeProperties`).
 */
import { createFieldMessage } from './field-message';
import { MAX_PARTITIONS, partitionProblem } from '../lib/partition';
import { t } from './translate';
import type { EditorNode } from './red-api';

/** The `inputs` a node gets for its control checkbox. */
export function inputsFor(control: unknown): 0 | 1 {
  return control === true ? 1 : 0;
}

/** True when nothing would ever start the node: no start on deploy and no control input. */
export function neverStarts(autoStart: unknown, control: unknown): boolean {
  return autoStart === false && control !== true;
}

/** Wires the partition line and the start hint to the open dialog's inputs. */
export function prepareRunningOptions(): void {
  const partition = $('#node-input-partition');
  const partitionLine = createFieldMessage(partition.closest('.form-row'));
  const checkPartition = (): void => {
    partitionLine.show(partitionProblem(partition.val()) ? t('common.error.partition', { max: MAX_PARTITIONS }) : null);
  };
  partition.on('input change', checkPartition);
  checkPartition();

  const autoStart = $('#node-input-autoStart');
  const control = $('#node-input-control');
  const startLine = createFieldMessage(control.closest('.form-row'));
  const checkStart = (): void => {
    startLine.show(neverStarts(autoStart.prop('checked') === true, control.prop('checked') === true) ? t('common.hint.neverStarts') : null, 'hint');
  };
  autoStart.on('change', checkStart);
  control.on('change', checkStart);
  checkStart();
}

/** On save: the input port follows the control checkbox (Node-RED stores the checkbox itself after this). */
export function saveRunningOptions(node: EditorNode): void {
  const control = $('#node-input-control');
  if (control.length > 0) node.inputs = inputsFor(control.prop('checked') === true);
}
