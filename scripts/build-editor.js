'use strict';
// Builds dist/ayla-dss.html, the editor file Node-RED loads: the templates of
// nodes/ayla-dss.html with the TypeScript under nodes/editor/ bundled by esbuild (one IIFE, no
// global) in place of the `<!-- ayla-dss:editor-bundle -->` marker.
//
// The bundle runs in the browser, so it may only contain the editor's own code, the pure parts
// of nodes/lib/ it shares with the runtime, and small pure dependencies: the build fails when
// anything else (ajv, a Node built-in, a runtime module) gets pulled in through an import.
//
// Used by scripts/assemble.js (`npm run build`) and by the tests, which compare dist/ with a
// fresh assembly (test/support/node-red-process.ts) and check the bundle (test/editor/bundle.spec.ts).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const ENTRY = 'nodes/editor/main.ts';
const TEMPLATES = path.join(root, 'nodes', 'ayla-dss.html');
const MARKER = '<!-- ayla-dss:editor-bundle -->';

/** Files the bundle may contain (paths relative to the repository, `/` separated). */
const ALLOWED_INPUTS = [
  /^nodes\/editor\/[a-z-]+\.ts$/,
  /^nodes\/lib\/(node-options|endpoints|pattern-rules|event-types|errors|config-migration|partition)\.ts$/,
  // Pure dependencies of the shared filter rules (safe-regex2 refuses catastrophic patterns).
  // esbuild names a file by its real path, so where node_modules is a symlink (a git worktree
  // sharing another checkout's install) the path starts with that checkout, e.g. ../main/.
  /^(\.\.\/)*([^/]+\/)*node_modules\/(safe-regex2|ret)\//,
];

/** Input files the bundle may not contain, with what imported them, as lines for an error message. */
function forbiddenInputs(metafile) {
  const lines = [];
  for (const file of Object.keys(metafile.inputs)) {
    const normalised = file.split(path.sep).join('/');
    if (ALLOWED_INPUTS.some((allowed) => allowed.test(normalised))) continue;
    const importers = Object.entries(metafile.inputs)
      .filter(([, other]) => other.imports.some((imported) => imported.path === file))
      .map(([importer]) => importer);
    lines.push(`${normalised} (imported by ${importers.join(', ') || 'the entry point'})`);
  }
  return lines;
}

/**
 * Bundles the editor code. Returns the JavaScript and the list of input files.
 *
 * @throws when esbuild fails or the bundle contains a file outside {@link ALLOWED_INPUTS}
 */
function bundleEditor() {
  // Required here, not at the top: only the build and the tests need esbuild.
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // The oldest browsers Node-RED 3.1's editor supports run ES2018; newer syntax is lowered.
    target: 'es2018',
    tsconfig: 'tsconfig.editor.json',
    // Keep node_modules/ in the input paths when node_modules is a symlink (a git worktree
    // sharing another checkout's install, `npm link`): ALLOWED_INPUTS names them that way.
    preserveSymlinks: true,
    write: false,
    metafile: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const forbidden = forbiddenInputs(result.metafile);
  if (forbidden.length > 0) {
    throw new Error(`the editor bundle may only contain nodes/editor, the pure nodes/lib modules and small pure dependencies; it pulled in:\n  ${forbidden.join('\n  ')}`);
  }
  const code = result.outputFiles[0].text;
  // esbuild escapes "</script" inside strings; anything left would end the <script> early.
  if (/<\/script/i.test(code)) throw new Error('the editor bundle contains "</script", which would end its <script> element');
  return { code, inputs: Object.keys(result.metafile.inputs).map((file) => file.split(path.sep).join('/')).sort() };
}

/** The text of dist/ayla-dss.html: the templates with the bundle in place of the marker. */
function assembleEditorHtml() {
  const templates = fs.readFileSync(TEMPLATES, 'utf8');
  const at = templates.indexOf(MARKER);
  if (at === -1 || templates.indexOf(MARKER, at + MARKER.length) !== -1) {
    throw new Error(`nodes/ayla-dss.html must contain the marker ${MARKER} exactly once`);
  }
  const script = `<script type="text/javascript">\n${bundleEditor().code}</script>`;
  return templates.slice(0, at) + script + templates.slice(at + MARKER.length);
}

/** Writes `<dist>/ayla-dss.html`. */
function writeEditorHtml(dist) {
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(path.join(dist, 'ayla-dss.html'), assembleEditorHtml());
}

module.exports = { ALLOWED_INPUTS, bundleEditor, assembleEditorHtml, writeEditorHtml };

if (require.main === module) writeEditorHtml(path.join(root, 'dist'));
