// scripts/download-model.ts (npm run model:download), the one process that fills a shared model folder: files
// already there are used, not fetched again; a folder left broken by a cut-off download is named with the way out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModel, type TinyModel } from '../support/tiny-model.ts';

function download(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/download-model.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, NODE_ENV: 'test', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

describe('npm run model:download', () => {
  let dir: string;
  let model: TinyModel;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shopdesk-model-'));
    model = writeTinyModel({ dir, modelId: 'test/tiny-bert', hidden: 16, corpus: ['where is my order'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the files already in MODEL_DIR, proves they run, and says to start offline', () => {
    const { code, stdout, stderr } = download({ MODEL_DIR: dir, MODEL_ID: model.modelId, MODEL_OFFLINE: 'true' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`test/tiny-bert is ready in ${dir} (16 dimensions): start with MODEL_OFFLINE=true.`);
    expect(stdout).not.toContain('downloading');
  });

  it('a truncated model file (a download cut short) fails with one clear way out', () => {
    truncateSync(model.modelPath, 100);
    const { code, stderr } = download({ MODEL_DIR: dir, MODEL_ID: model.modelId });
    expect(code).toBe(1);
    expect(stderr).toContain(`could not load test/tiny-bert from ${join(dir, 'test/tiny-bert')}`);
    expect(stderr).toContain("delete that model's folder under MODEL_DIR and run this again");
  });
});
