/** What the end-to-end specs share: one browser preview per spec file, where screenshots go, a tab by name. */
import { fileURLToPath } from 'node:url';
import { test, type Page } from '@playwright/test';
import { startPreview, type Preview } from '../../scripts/lib/preview-process.ts';

export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** Starts the preview (renderer, real core, lab) before the file's first test and stops it after its last. */
export function previewPerFile(): () => Preview {
  let preview: Preview | undefined;
  test.beforeAll(async () => {
    preview = await startPreview();
  });
  test.afterAll(async () => {
    await preview?.stop();
  });
  return () => {
    if (!preview) throw new Error('The preview has not started (previewPerFile() must be called at the top of a spec file)');
    return preview;
  };
}

export const tab = (page: Page, name: string) => page.getByRole('tab', { name, exact: true });
