// Documentation guard: code cites docs/protocol.md by section number, so every cited section must
// exist as a heading there, and nothing in the shipped sources may still point at the old
// reference file outside the repository. Also keeps the choice index (§10) in step with the text.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const DOC = path.join(root, 'docs', 'protocol.md');
/** Folders whose files may cite the document. */
const CITING_DIRS = ['nodes', 'simulator', 'test', 'bench', 'scripts'];
/** Folders that must cite only docs/protocol.md (no other protocol.md). */
const SHIPPED_DIRS = ['nodes', 'simulator'];
const TEXT_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.cjs', '.html', '.json', '.md']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  name: string;
  text: string;
}

function filesUnder(dir: string): SourceFile[] {
  const found: SourceFile[] = [];
  const walk = (current: string): void => {
    if (!fs.existsSync(current)) return;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && TEXT_EXTENSIONS.has(path.extname(entry.name))) {
        found.push({ name: path.relative(root, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(path.join(root, dir));
  return found;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * Section numbers cited as `docs/protocol.md §N[.M]`: the file name (optionally in backticks),
 * then one or more `§` numbers separated by commas or "and", possibly continued on the next
 * comment line (`\n * §4`).
 */
const CITATION = /docs\/protocol\.md`?((?:[\s*/#]*§\d+(?:\.\d+)*(?:\s*(?:,|and|or|&)\s*)?)+)/g;
const SECTION_NUMBER = /§(\d+(?:\.\d+)*)/g;
/** A numbered heading of the document: `## §5 The stream`, `### §5.2 Frames`. */
const HEADING = /^#{2,6}\s+§(\d+(?:\.\d+)*)(?=\s|$)/gm;

function citationsIn(files: SourceFile[]): Array<{ where: string; section: string }> {
  const citations: Array<{ where: string; section: string }> = [];
  for (const file of files) {
    for (const match of file.text.matchAll(CITATION)) {
      for (const [, section] of match[1].matchAll(SECTION_NUMBER)) {
        citations.push({ where: `${file.name}:${lineOf(file.text, match.index ?? 0)}`, section });
      }
    }
  }
  return citations;
}

describe('docs/protocol.md', () => {
  const doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '';
  const headings = new Set([...doc.matchAll(HEADING)].map((match) => match[1]));

  it('exists and keeps the numbered top-level sections §1 to §10', () => {
    assert.ok(doc !== '', 'docs/protocol.md is missing or empty');
    for (let section = 1; section <= 10; section++) {
      assert.ok(headings.has(String(section)), `no heading for §${section}`);
    }
  });

  it('has a heading for every section the code cites', () => {
    const citations = citationsIn(CITING_DIRS.flatMap(filesUnder));
    assert.ok(citations.length > 0, 'found no citation at all: is the citation pattern still right?');
    const missing = citations.filter((citation) => !headings.has(citation.section));
    assert.deepEqual(
      missing.map((citation) => `${citation.where} cites §${citation.section}`),
      [],
      'cited sections without a heading in docs/protocol.md',
    );
  });

  it('is the only protocol reference the shipped sources cite', () => {
    const offending: string[] = [];
    for (const file of SHIPPED_DIRS.flatMap(filesUnder)) {
      for (const match of file.text.matchAll(/protocol\.md/gi)) {
        const index = match.index ?? 0;
        const cited = file.text.slice(Math.max(0, index - 'docs/'.length), index + match[0].length);
        if (cited !== 'docs/protocol.md') offending.push(`${file.name}:${lineOf(file.text, index)}`);
      }
    }
    assert.deepEqual(offending, [], 'cite docs/protocol.md instead');
  });

  it('numbers its choices in order and indexes every one of them in §10', () => {
    const tenth = doc.search(/^## §10\b/m);
    assert.ok(tenth > 0, 'no §10 heading');
    const inText = [...doc.slice(0, tenth).matchAll(/\*\*Choice C(\d+)\b/g)].map((match) => Number(match[1]));
    assert.deepEqual(
      inText,
      inText.map((_, index) => index + 1),
      'choices must be numbered C1, C2, … in order of appearance',
    );
    const indexed = [...doc.slice(tenth).matchAll(/^\|\s*C(\d+)\s*\|/gm)].map((match) => Number(match[1]));
    assert.deepEqual(indexed, inText, '§10 must list exactly the choices of the text, in order');
  });
});
