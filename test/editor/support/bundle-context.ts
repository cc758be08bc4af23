/**
 * Runs the editor bundle (scripts/build-editor.js) in a Node `vm` context with a stand-in `RED`
 * and `document`, without a browser: what it registers, the events it follows, the templates it
 * installs, and what it hands to a stand-in `RED.nodes.import`.
 */
import * as vm from 'node:vm';

/** A registration the bundle made, as the stand-in RED received it. */
export interface Registered {
  type: string;
  definition: Record<string, unknown> & { defaults: Record<string, { value?: unknown; validate?: (...args: unknown[]) => unknown }> };
}

/** What loading the bundle did. */
export interface LoadedBundle {
  registered: Registered[];
  globalsBefore: string[];
  globalsAfter: string[];
  events: string[];
  templates: string[];
  /** Calls `RED.nodes.import` as Node-RED's editor does (the bundle may have wrapped it). */
  importFlow(flow: unknown, options?: unknown): void;
  /** What reached the stand-in import, per call: the flow and the options. */
  imported: Array<{ flow: unknown; options: unknown }>;
  /** Messages the bundle notified (HTML text) with their type. */
  notified: Array<{ message: string; type: string }>;
}

/** Runs `code` (the bundle) once in a fresh context; see the module comment. */
export function loadBundle(code: string): LoadedBundle {
  const registered: Registered[] = [];
  const events: string[] = [];
  const templates: string[] = [];
  const imported: LoadedBundle['imported'] = [];
  const notified: LoadedBundle['notified'] = [];
  const sharedTemplate = { textContent: '<div class="form-row"></div>', after: (element: { name: string }) => templates.push(element.name) };
  const nodes = {
    registerType: (type: string, definition: Registered['definition']) => registered.push({ type, definition }),
    getType: (type: string) => registered.find((r) => r.type === type)?.definition,
    import: (flow: unknown, options?: unknown) => {
      imported.push({ flow, options });
      return { nodes: [] };
    },
  };
  const context = vm.createContext({
    RED: {
      nodes,
      events: { on: (event: string) => events.push(event) },
      notify: (message: string, type: string) => notified.push({ message, type }),
    },
    document: {
      getElementById: (id: string) => (id === 'ayla-dss-event-in-template' ? sharedTemplate : null),
      querySelector: () => null,
      createElement: () => {
        const element = { name: '', type: '', text: '', setAttribute: (_attribute: string, value: string) => (element.name = value) };
        return element;
      },
    },
    setTimeout,
  });
  const globalsBefore = Object.getOwnPropertyNames(context).sort();
  vm.runInContext(code, context, { filename: 'ayla-dss-editor-bundle.js' });
  return {
    registered,
    globalsBefore,
    globalsAfter: Object.getOwnPropertyNames(context).sort(),
    events,
    templates,
    importFlow: (flow, options) => void nodes.import(flow, options),
    imported,
    notified,
  };
}
