/**
 * The part of Node-RED's editor API (the `RED` global, Node-RED 3.1 to 4.1) this editor uses,
 * typed for what those versions do. Declared here instead of taken from
 * @types/node-red__editor-client because that package predates validators that return a
 * message and credential definitions with validators; its jQuery widget types (editableList)
 * are still used.
 */
import type { Html } from './escape';

/** A node or config node as the editor holds it. Properties are the node's settings. */
export interface EditorNode {
  readonly id: string;
  readonly type: string;
  /** The registered definition of the node's type. */
  readonly _def: { readonly defaults: Readonly<Record<string, unknown>> };
  /** Loaded only once the node's dialog was opened, or from an imported flow. */
  credentials?: Record<string, unknown>;
  /** Disabled. */
  d?: boolean;
  /** Flow (tab) id; config nodes may have none. */
  z?: string;
  valid?: boolean;
  /** Config nodes: the nodes that use them. */
  users?: EditorNode[];
  [property: string]: unknown;
}

/**
 * A property or credential validator. Node-RED passes the value and an options object, and
 * shows a returned string only when the function declares two parameters (3.x validators);
 * `true` means valid. The string is inserted as HTML in places (config sidebar): see escape.ts.
 */
export type Validator = (this: EditorNode, value: unknown, options: unknown) => true | Html;

/** One entry of a definition's `defaults`. */
export interface PropertyDefinition {
  value: unknown;
  required?: boolean;
  /** A config node type: the property holds the id of such a node. */
  type?: string;
  validate?: Validator;
}

/** One entry of a definition's `credentials`. */
export interface CredentialDefinition {
  type: 'text' | 'password';
  /** Runs in the open dialog only: Node-RED does not check credentials when it validates a node. */
  validate?: Validator;
}

/** What `RED.nodes.registerType` takes. */
export interface NodeDefinition {
  category: string;
  color?: string;
  defaults: Record<string, PropertyDefinition>;
  credentials?: Record<string, CredentialDefinition>;
  inputs?: number;
  outputs?: number;
  /**
   * The hover text of each output port. Node-RED (red.js `getPortLabel` / `showTooltip`) draws
   * it as SVG text, never as HTML.
   */
  outputLabels?: (this: EditorNode, index: number) => string;
  /** The hover text of the input port, drawn like {@link outputLabels}. */
  inputLabels?: (this: EditorNode, index: number) => string;
  icon: string;
  /** `right` puts the icon on the right, as Node-RED's output nodes have it. */
  align?: 'left' | 'right';
  paletteLabel: (this: EditorNode) => string;
  label: (this: EditorNode) => string;
  labelStyle?: (this: EditorNode) => string;
  oneditprepare?: (this: EditorNode) => void;
  oneditsave?: (this: EditorNode) => void;
  oneditcancel?: (this: EditorNode) => void;
}

/** Parameters of a catalog text. */
export type TranslateParams = Readonly<Record<string, string | number>>;

/** A registered definition: Node-RED adds `_`, which translates in the node set's namespace. */
export interface RegisteredDefinition extends NodeDefinition {
  _?: (key: string, params?: TranslateParams) => string;
}

/** The `RED` global. */
export interface RedEditor {
  nodes: {
    registerType(type: string, definition: NodeDefinition): void;
    getType(type: string): RegisteredDefinition | undefined;
    /** A node or config node by id. */
    node(id: string): EditorNode | null;
    /** Visits every flow node (not config nodes); returning false stops. */
    eachNode(visit: (node: EditorNode) => boolean | void): void;
    /** Visits every config node; returning false stops. */
    eachConfig(visit: (node: EditorNode) => boolean | void): void;
    workspace(id: string): { disabled?: boolean } | null | undefined;
  };
  editor: {
    /** Recomputes `node.valid` and `node.validationErrors` from the definition's `defaults`. */
    validateNode(node: EditorNode): boolean;
  };
  events: {
    on(event: string, handler: (subject?: unknown) => void): void;
  };
  view: {
    redraw(full?: boolean): void;
  };
  /** Shows a notification; the message is HTML. */
  notify(message: Html, type: 'success' | 'error' | 'warning' | 'compact'): unknown;
}

/** jQuery UI's spinner, which Node-RED's editor ships (not in @types/jquery). */
export interface SpinnerOptions {
  min: number;
  max: number;
  step: number;
  change?: () => void;
  stop?: () => void;
}

declare global {
  /** Node-RED's editor API; the editor defines it before it loads node definitions. */
  const RED: RedEditor;
  interface JQuery {
    spinner(options: SpinnerOptions): JQuery;
  }
}
