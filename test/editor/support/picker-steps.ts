/**
 * What a user does with the device, model and property pickers, as Playwright steps: type
 * into a field, wait until its panel offers a value, click it. Shared by the picker specs and
 * scripts/screenshots.ts. Every wait is bounded and says what did not happen.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from './editor-page';

/** The visible panel item that fills in `value`. */
export function pickerItem(value: string): string {
  return `.ayla-dss-picker:visible .ayla-dss-picker-item[data-value="${value.replace(/"/g, '\\"')}"]`;
}

/** The values the visible picker panel offers, in order. */
export function offeredValues(page: Page): Promise<string[]> {
  return page.locator('.ayla-dss-picker:visible .ayla-dss-picker-item').evaluateAll((items) => items.map((item) => item.getAttribute('data-value') ?? ''));
}

/** Waits until the visible picker panel's head (or message) shows `text`. */
export function waitPickerText(page: Page, text: string): Promise<void> {
  return waitUntil(
    page,
    `the picker panel says "${text}"`,
    (wanted: string) =>
      Array.from(document.querySelectorAll('.ayla-dss-picker')).some((panel) => (panel as HTMLElement).offsetParent !== null && (panel.textContent ?? '').includes(wanted)),
    text,
  );
}

/**
 * Clicks `field`, replaces its text by `typed` key by key (the picker searches as it is typed),
 * waits until the panel offers `value`, and clicks it.
 */
export async function typeAndPick(page: Page, field: string, typed: string, value: string): Promise<void> {
  const input = page.locator(field);
  await input.click();
  await input.press('ControlOrMeta+A');
  await input.press('Backspace');
  await input.pressSequentially(typed);
  const item = page.locator(pickerItem(value)).first();
  await item.waitFor({ state: 'visible' });
  await item.click();
}

/** Waits until the visible picker panel offers exactly `values` (in any order): a search typed is debounced. */
export function waitOffered(page: Page, values: string[]): Promise<void> {
  return waitUntil(
    page,
    `the picker offers exactly ${values.join(', ')}`,
    (wanted: string[]) => {
      const shown = Array.from(document.querySelectorAll('.ayla-dss-picker-item'))
        .filter((item) => (item as HTMLElement).offsetParent !== null)
        .map((item) => item.getAttribute('data-value') ?? '')
        .sort();
      return JSON.stringify(shown) === JSON.stringify([...wanted].sort());
    },
    values,
  );
}
