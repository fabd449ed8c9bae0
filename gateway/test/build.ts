/** Tests that run the real CLI need `gateway/dist`: build it (incremental, quick when up to date). */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(REPO_ROOT, 'gateway', 'dist', 'cli.js');

export function ensureGatewayBuilt(): void {
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'gateway'],
    {
      cwd: REPO_ROOT,
      stdio: 'pipe',
      timeout: 120_000,
    },
  );
}
