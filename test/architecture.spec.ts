/**
 * Architecture rules of the shipped runtime code (`nodes/**\/*.ts`, without the browser code in
 * `nodes/editor/` when it exists; `nodes/ayla-dss.html`, the editor's templates, is not
 * TypeScript and not checked here), on the TypeScript syntax tree, not with regexes:
 *
 * 1. No module-level mutable state: everything shared lives in the one runtime object per
 *    Node-RED (`nodes/lib/runtime.ts`), so each test makes its own. At the top level of a file:
 *    - no `let` or `var`;
 *    - no `const` initialised with `new` of any class but `RegExp` (Map, Set, WeakMap, WeakSet,
 *      Array, EventEmitter, …); a `new Map` / `new Set` is accepted only when the declared type
 *      is `ReadonlyMap` / `ReadonlySet` (or starts with `Readonly`);
 *    - no `const` initialised with an array or object literal that is not made immutable:
 *      `as const`, `Object.freeze(…)` (nested literals frozen or `as const` too: freeze is
 *      shallow), or a declared type starting with `Readonly` / `ReadonlyArray` / `ReadonlySet` /
 *      `ReadonlyMap` (or a `readonly T[]` array type);
 *    - no static class field that is not `readonly`, or is initialised with mutable state as
 *      above: a static field is module state too;
 *    - no exported name ending in `ForTests` or containing `ForTest` (test seams belong in
 *      options of the runtime object, not in exports), and no exported mutable object
 *      documented `@internal` (shared defaults a test could change for everyone).
 * 2. Small files with one job: every file is under 400 lines and starts with a `/** … *\/`
 *    comment that says what it is for.
 *
 * Each offence is printed as `file:line  rule`. What broke a rule when this test was written and
 * is not a one-word fix is listed, with the reason, in {@link KNOWN_MODULE_STATE} and
 * {@link KNOWN_LARGE_FILES}: a listed file may shrink but not grow, and an entry whose offence is
 * gone must be removed (a ratchet, not a pass).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const REPO_ROOT = path.resolve(__dirname, '..');
const NODES_DIR = path.join(REPO_ROOT, 'nodes');
/** Browser code, bundled for the editor: not part of the Node-RED runtime. */
const EDITOR_DIR = path.join(NODES_DIR, 'editor');
/** A source file at or above this many lines does more than one job. */
const MAX_LINES = 400;
/**
 * Files over {@link MAX_LINES} lines when this test was written, with their line count then:
 * to be split by the owner of `nodes/`. A listed file may not grow; once it is under the limit
 * its entry must go.
 */
const KNOWN_LARGE_FILES: Readonly<Record<string, number>> = Object.freeze({});
/**
 * Module-level state known when this test was written, by file and name, with why it is there:
 * for the owner of `nodes/` to remove or to keep on purpose. Anything else fails the test.
 */
const KNOWN_MODULE_STATE: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  'nodes/lib/event-validation.ts': Object.freeze({
    ajv: 'the Ajv instance the event schemas are compiled with once, at import (GUIDE: "ajv, compiled once"); nothing changes it afterwards',
  }),
});
/** Classes whose instances hold no state worth guarding (a compiled pattern). */
const IMMUTABLE_CLASSES: ReadonlySet<string> = new Set(['RegExp']);
/** Type names that make a `new Map` / `new Set` read-only for the compiler. */
const READONLY_TYPE = /^(Readonly|ReadonlyArray|ReadonlySet|ReadonlyMap)\b/;

interface Offence {
  file: string;
  line: number;
  rule: string;
  /** The declared name the offence is about, when it is about one. */
  name?: string;
}

/** Every `.ts` file under `dir`, the editor's browser code excluded; sorted. */
function runtimeSources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== EDITOR_DIR) files.push(...runtimeSources(full));
    } else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      files.push(full);
    }
  }
  return files.sort();
}

function relative(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}

function parse(name: string, text: string): ts.SourceFile {
  return ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/** `(x)`, `x satisfies T` and `x!` are the value `x` for these rules. */
function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isSatisfiesExpression(current) || ts.isNonNullExpression(current)) current = current.expression;
    else return current;
  }
}

function isAsConst(expression: ts.Expression): boolean {
  return (ts.isAsExpression(expression) || ts.isTypeAssertionExpression(expression)) && ts.isConstTypeReference(expression.type);
}

function isObjectFreeze(expression: ts.Expression): expression is ts.CallExpression {
  return (
    ts.isCallExpression(expression) &&
    ts.isPropertyAccessExpression(expression.expression) &&
    ts.isIdentifier(expression.expression.expression) &&
    expression.expression.expression.text === 'Object' &&
    expression.expression.name.text === 'freeze'
  );
}

/** Whether a declared type makes the value read-only for the compiler. */
function isReadonlyType(type: ts.TypeNode | undefined, source: ts.SourceFile): boolean {
  if (!type) return false;
  if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.ReadonlyKeyword) return true;
  return READONLY_TYPE.test(type.getText(source));
}

/** The name of the class a `new` expression creates, as written. */
function classNameOf(expression: ts.NewExpression, source: ts.SourceFile): string {
  return expression.expression.getText(source);
}

/**
 * Why the value of `initializer` is mutable module state, or null when it is not. `declared` is
 * the declared type, if any (it can make a literal or a Map / Set read-only).
 */
function mutableReason(initializer: ts.Expression, declared: ts.TypeNode | undefined, source: ts.SourceFile): string | null {
  const value = unwrap(initializer);
  if (isAsConst(value)) return null;
  if (ts.isAsExpression(value) || ts.isTypeAssertionExpression(value)) {
    // `x as T`: T decides like a declared type.
    return mutableReason(value.expression, declared ?? value.type, source);
  }
  if (ts.isNewExpression(value)) {
    const name = classNameOf(value, source);
    if (IMMUTABLE_CLASSES.has(name)) return null;
    if ((name === 'Map' || name === 'Set') && isReadonlyType(declared, source)) return null;
    return `initialised with \`new ${name}(…)\``;
  }
  if (isObjectFreeze(value)) {
    const [frozen] = value.arguments;
    return frozen ? nestedMutableReason(frozen, source) : null;
  }
  if (ts.isArrayLiteralExpression(value) || ts.isObjectLiteralExpression(value)) {
    if (isReadonlyType(declared, source)) return null;
    return `initialised with ${ts.isArrayLiteralExpression(value) ? 'an array' : 'an object'} literal that is not \`as const\`, frozen or declared Readonly`;
  }
  return null;
}

/** Inside `Object.freeze(…)`: the literal itself is frozen, but what it holds must be immutable too. */
function nestedMutableReason(frozen: ts.Expression, source: ts.SourceFile): string | null {
  const value = unwrap(frozen);
  if (ts.isNewExpression(value)) return mutableReason(value, undefined, source);
  const children: ts.Expression[] = [];
  if (ts.isArrayLiteralExpression(value)) children.push(...value.elements);
  else if (ts.isObjectLiteralExpression(value)) {
    for (const property of value.properties) if (ts.isPropertyAssignment(property)) children.push(property.initializer);
  } else return null;
  for (const child of children) {
    const inner = unwrap(child);
    const reason =
      ts.isArrayLiteralExpression(inner) || ts.isObjectLiteralExpression(inner) ? mutableReason(inner, undefined, source) : ts.isNewExpression(inner) ? mutableReason(inner, undefined, source) : null;
    if (reason) return `frozen only shallowly: a nested value is ${reason.replace(/^initialised with /, '')}`;
  }
  return null;
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind);
}

/** The JSDoc tags written on a declaration (for a variable: on its statement). */
function jsDocTagNames(node: ts.Node): string[] {
  return ts.getJSDocTags(node).map((tag) => tag.tagName.text);
}

/** Names a top-level statement exports. */
function exportedNames(statement: ts.Statement): Array<{ name: string; node: ts.Node }> {
  if (ts.isExportDeclaration(statement)) {
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) return [];
    return statement.exportClause.elements.map((element) => ({ name: element.name.text, node: element }));
  }
  if (!hasModifier(statement, ts.SyntaxKind.ExportKeyword)) return [];
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((declaration) => (ts.isIdentifier(declaration.name) ? [{ name: declaration.name.text, node: declaration }] : []));
  }
  if (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
    statement.name
  ) {
    return [{ name: statement.name.text, node: statement }];
  }
  return [];
}

/** Every rule-1 offence of one file, given its name (for the report) and its text. */
function moduleStateOffences(name: string, text: string): Offence[] {
  const source = parse(name, text);
  const offences: Offence[] = [];
  const offend = (node: ts.Node, rule: string, declared?: string) => offences.push({ file: name, line: lineOf(source, node), rule, name: declared });

  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags;
      const keyword = flags & ts.NodeFlags.Let ? 'let' : flags & ts.NodeFlags.Const ? 'const' : 'var';
      const internal = jsDocTagNames(statement).includes('internal');
      for (const declaration of statement.declarationList.declarations) {
        const declared = declaration.name.getText(source);
        if (keyword !== 'const') {
          offend(declaration, `top-level \`${keyword} ${declared}\`: module state (put it in the runtime object)`, declared);
          continue;
        }
        const reason = declaration.initializer ? mutableReason(declaration.initializer, declaration.type, source) : null;
        if (reason) {
          const exported = hasModifier(statement, ts.SyntaxKind.ExportKeyword);
          const what = internal && exported ? 'exported @internal mutable object' : 'top-level const';
          offend(declaration, `${what} \`${declared}\` ${reason}`, declared);
        }
      }
    }
    if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (!ts.isPropertyDeclaration(member) || !hasModifier(member, ts.SyntaxKind.StaticKeyword)) continue;
        const field = `${statement.name?.text ?? '(class)'}.${member.name.getText(source)}`;
        if (!hasModifier(member, ts.SyntaxKind.ReadonlyKeyword)) {
          offend(member, `static field \`${field}\` is not readonly: module state`, field);
          continue;
        }
        const reason = member.initializer ? mutableReason(member.initializer, member.type, source) : null;
        if (reason) offend(member, `static field \`${field}\` ${reason}`, field);
      }
    }
    for (const exported of exportedNames(statement)) {
      if (/ForTests$|ForTest/.test(exported.name)) offend(exported.node, `exports \`${exported.name}\`: a test seam (make it an option of the runtime object)`);
    }
  }
  return offences;
}

/** Every rule-2 offence of one file (size and the leading comment). */
function oneJobOffences(file: string): Offence[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const name = relative(file);
  const offences: Offence[] = [];
  const known = KNOWN_LARGE_FILES[name];
  if (known !== undefined) {
    if (lines > known) offences.push({ file: name, line: lines, rule: `grew to ${lines} lines; it had ${known} and must shrink below ${MAX_LINES}, not grow` });
    if (lines < MAX_LINES) offences.push({ file: name, line: 1, rule: `is ${lines} lines now: remove it from KNOWN_LARGE_FILES` });
  } else if (lines >= MAX_LINES) {
    offences.push({ file: name, line: lines, rule: `${lines} lines: a file must stay under ${MAX_LINES} (split it by job)` });
  }
  if (!/^\/\*\*[\s\S]*?\*\//.test(text)) offences.push({ file: name, line: 1, rule: 'does not start with a /** … */ comment saying what the file is for' });
  return offences;
}

function report(offences: Offence[]): string {
  return offences.map((offence) => `  ${offence.file}:${offence.line}  ${offence.rule}`).join('\n');
}

describe('architecture of nodes/', () => {
  const files = runtimeSources(NODES_DIR);

  it('finds the runtime sources (and none of the editor\'s browser code)', () => {
    const names = files.map(relative);
    for (const expected of ['nodes/ayla-dss.ts', 'nodes/lib/runtime.ts', 'nodes/lib/stream.ts', 'nodes/lib/hub/stream-hub.ts']) assert.ok(names.includes(expected), `${expected} was not scanned`);
    assert.deepEqual(names.filter((name) => name.startsWith('nodes/editor/')), []);
  });

  it('has no module-level mutable state and no test seams in its exports', () => {
    const all = files.flatMap((file) => moduleStateOffences(relative(file), fs.readFileSync(file, 'utf8')));
    const isKnown = (offence: Offence) => offence.name !== undefined && KNOWN_MODULE_STATE[offence.file]?.[offence.name] !== undefined;
    const known = all.filter(isKnown);
    if (known.length > 0) console.log(`known module-level state in nodes/ (see KNOWN_MODULE_STATE):\n${report(known)}`);
    const stale = Object.entries(KNOWN_MODULE_STATE).flatMap(([file, names]) =>
      Object.keys(names).filter((name) => !known.some((offence) => offence.file === file && offence.name === name)).map((name) => `${file}: ${name}`),
    );
    assert.deepEqual(stale, [], 'KNOWN_MODULE_STATE lists state that is gone: remove those entries');
    const offences = all.filter((offence) => !isKnown(offence));
    assert.deepEqual(offences, [], `module-level mutable state or test seams:\n${report(offences)}`);
  });

  it('keeps every file under 400 lines, starting with a /** … */ comment on its one job', () => {
    const known = Object.entries(KNOWN_LARGE_FILES).map(([file, lines]) => `  ${file}: ${lines} lines (known, to be split)`);
    if (known.length > 0) console.log(`files over ${MAX_LINES} lines, known when this rule came:\n${known.join('\n')}`);
    for (const file of Object.keys(KNOWN_LARGE_FILES)) assert.ok(fs.existsSync(path.join(REPO_ROOT, file)), `${file} is gone: remove it from KNOWN_LARGE_FILES`);
    const offences = files.flatMap(oneJobOffences);
    assert.deepEqual(offences, [], `files too large or without their leading comment:\n${report(offences)}`);
  });

  describe('the rules catch what they are meant to catch', () => {
    /** Offences of a snippet, as `line rule` strings. */
    function offencesOf(code: string): string[] {
      return moduleStateOffences('probe.ts', code).map((offence) => `${offence.line} ${offence.rule}`);
    }

    it('flags let, var, new Map, mutable literals, shallow freezes, static fields and ForTest exports', () => {
      const found = offencesOf(
        [
          'let counter = 0;',
          'var legacy = 1;',
          'const cache = new Map<string, number>();',
          'const emitter = new EventEmitter();',
          'const list = [1, 2];',
          'const table = { a: 1 };',
          'const shallow = Object.freeze({ inner: [1] });',
          'export class Hub { static instances = 0; static readonly registry = new Set<string>(); }',
          'export function resetForTests(): void {}',
          '/** @internal defaults */',
          'export const defaults = { retries: 3 };',
          'const weak: ReadonlyMap<object, number> = new WeakMap();',
        ].join('\n'),
      );
      assert.deepEqual(found.map((line) => line.split(' ')[0]), ['1', '2', '3', '4', '5', '6', '7', '8', '8', '9', '11', '12']);
      assert.match(found[9], /resetForTests/);
      assert.match(found[10], /exported @internal mutable object `defaults`/);
      assert.match(found[11], /new WeakMap/);
    });

    it('accepts constants, RegExp, as const, deep freezes, Readonly types and readonly static scalars', () => {
      const found = offencesOf(
        [
          'const LIMIT_MS = 1000;',
          "const NAME = 'x';",
          'const PATTERN = /^a+$/;',
          "const BUILT = new RegExp('^b+$');",
          'const KINDS = [1, 2] as const;',
          'const TABLE = Object.freeze({ a: Object.freeze([1]), b: [2] as const });',
          'const MAP: Readonly<Record<string, number>> = { a: 1 };',
          'const LIST: readonly string[] = [];',
          "const KEYS: ReadonlySet<string> = new Set(['a']);",
          'const PAIRS: ReadonlyMap<string, number> = new Map();',
          'const FN = () => [];',
          'export class Hub { static readonly LIMIT = 3; }',
          'export function helper(): void {}',
        ].join('\n'),
      );
      assert.deepEqual(found, []);
    });
  });
});
