/**
 * Reading a node's settings the way a validator must see them: while the node's dialog is open
 * the inputs hold the values being edited, otherwise the node's stored properties count.
 */
import type { EditorNode } from './red-api';

/** The id prefix Node-RED gives a dialog's inputs: flow nodes and config nodes differ. */
export type InputPrefix = 'node-input' | 'node-config-input';

/**
 * The value of `property`: the open dialog's input `#<prefix>-<property>` when it exists (a
 * checkbox gives its checked state), otherwise `node[property]`.
 */
export function currentValue(node: EditorNode, property: string, prefix: InputPrefix): unknown {
  const input = $(`#${prefix}-${property}`);
  if (input.length === 0) return node[property];
  return input.attr('type') === 'checkbox' ? input.prop('checked') === true : input.val();
}

/** The text of an input of the open dialog ('' when it is missing). */
export function inputText(selector: string): string {
  const value = $(selector).val();
  return typeof value === 'string' ? value : '';
}

/** True when the node's definition has `property` in its defaults (the five event-in types differ). */
export function hasProperty(node: EditorNode, property: string): boolean {
  return Object.prototype.hasOwnProperty.call(node._def.defaults, property);
}
