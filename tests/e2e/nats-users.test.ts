// A run on a NATS server with users (gome nats-auth): the coordinating host's user holds every role of a one-host run
// and completes it; the key file is checked before any work.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { writeNatsAuth } from '../../cli/commands/nats-auth.ts';
import { runCompetition } from '../../cli/run/run-session.ts';
import { tempDir } from '../grading/helpers.ts';

const COMP = join(resolve(import.meta.dirname, '../..'), 'bench', 'breast-cancer-diagnosis');
let server: EmbeddedNats;
let dir: string;
let keys: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gome nats users '));
  const auth = writeNatsAuth(['owner=cli,coordinator,memory,researcher,developer,validator,gpu,brain', 'worker-a=researcher,developer'], join(dir, 'auth'));
  keys = auth.keys;
  server = await EmbeddedNats.start({ storeDir: join(dir, 'nats'), config: readFileSync(auth.conf, 'utf8') });
});
afterAll(async () => { await server?.stop(); rmSync(dir, { recursive: true, force: true }); });

describe('nats users', () => {
  it('nats users - a run connects as its host\'s user and completes; seeds are private files, the server config holds public keys', async () => {
    expect(statSync(keys[0]!).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'auth', 'auth.conf'), 'utf8')).not.toContain(readFileSync(keys[0]!, 'utf8').trim());
    const r = await runCompetition({
      competitionDir: COMP, runsRoot: tempDir('gome-nats-users-'), runId: 'users', progress: null, natsUrl: server.url, natsKeyFile: keys[0]!,
      config: { budgetMs: 40_000, preset: 'quick', maxIterations: 2 },
    });
    expect(r.status).toBe('finished');
    expect(r.report?.valid_submission).toBe(true);
  }, 120_000);

  it('nats users - a key file without a server, or a missing one, is refused before any work', async () => {
    const runsRoot = tempDir('gome-nats-users-');
    await expect(runCompetition({ competitionDir: COMP, runsRoot, progress: null, natsKeyFile: keys[0]!, config: { budgetMs: 30_000 } }))
      .rejects.toThrow(/--nats-key was given without --nats/);
    await expect(runCompetition({ competitionDir: COMP, runsRoot, progress: null, natsUrl: server.url, natsKeyFile: join(dir, 'nope.nk'), config: { budgetMs: 30_000 } }))
      .rejects.toThrow(/--nats-key was ".*nope\.nk", but there is no such file/);
  });
});
