/**
 * What the preview serves: the renderer built by vite (rebuilt when its sources are newer than the build)
 * and the browser bridge bundled by esbuild, in memory, on every start.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Newest modification time under the given files and folders (node_modules and dot-folders skipped). */
async function newestMtime(paths: string[]): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch {
      return;
    }
    if (!info.isDirectory()) {
      newest = Math.max(newest, info.mtimeMs);
      return;
    }
    for (const entry of await readdir(path)) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      await visit(join(path, entry));
    }
  };
  for (const path of paths) await visit(path);
  return newest;
}

export function rendererDirOf(root: string): string {
  return join(root, 'dist', 'renderer');
}

/** Builds dist/renderer with vite when it is missing or older than renderer/, shared/ or the vite config. */
export async function ensureRendererBuilt(root: string): Promise<{ dir: string; rebuilt: boolean }> {
  const dir = rendererDirOf(root);
  const built = await newestMtime([join(dir, 'index.html')]);
  const sources = await newestMtime([join(root, 'renderer'), join(root, 'shared'), join(root, 'vite.config.ts')]);
  if (built > 0 && built >= sources) return { dir, rebuilt: false };
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return { dir, rebuilt: true };
}

/** The browser side of the bridge as one classic script. */
export async function bundleBrowserBridge(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['electron/preview/browser-bridge.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no browser bridge');
  return output.text;
}
