/**
 * Headless Chromium for the editor test, through playwright-core and the system's Chromium
 * (never a downloaded browser): a fresh profile in a temp directory per run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

/** The system Chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Large enough that the palette, the workspace and the edit tray fit side by side (px). */
const VIEWPORT = { width: 1600, height: 1000 };

/** A browser with one page; `close()` also deletes the profile directory. */
export interface EditorBrowser {
  page: Page;
  /** Uncaught page errors seen so far (messages only). */
  pageErrors: string[];
  /** The page's console warnings and errors so far, the last 50 (printed when a test fails). */
  consoleProblems: string[];
  close(): Promise<void>;
}

/** What {@link launchBrowser} may change. */
export interface BrowserOptions {
  /**
   * The browser's language (BCP 47, e.g. `de`, `zh-CN`): navigator.language and the
   * Accept-Language header, which is how Node-RED's editor picks its language when the user
   * has not chosen one in its settings. Default: Chromium's own (en-US here).
   */
  locale?: string;
}

/** Launches Chromium with a throw-away profile and opens one page. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<EditorBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it or set CHROMIUM_PATH (this test never downloads a browser)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ayla-dss-e2e-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright refuses --user-data-dir in args: the persistent context is how it takes one.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
      timeout: 30_000,
      ...(options.locale ? { locale: options.locale } : {}),
    });
  } catch (error) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const consoleProblems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'warning' && message.type() !== 'error') return;
    consoleProblems.push(`${message.type()}: ${message.text()}`);
    if (consoleProblems.length > 50) consoleProblems.shift();
  });
  let closed = false;
  return {
    page,
    pageErrors,
    consoleProblems,
    async close() {
      if (closed) return;
      closed = true;
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
