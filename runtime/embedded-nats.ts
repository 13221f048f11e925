// Spawns nats-server with JetStream on a free loopback port (store inside the run dir) and stops it cleanly.
// The server gets a parent-death signal (util-linux setpriv), so it dies with the process that started it even
// after kill -9; signal handling (graceful stop) belongs to the run session, not here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedNatsFailed, MissingBinary } from './errors.ts';
import { which } from './which.ts';
import { dieWithParent } from './die-with-parent.ts';

export interface EmbeddedNatsOptions {
  storeDir: string;
  binary?: string;
  /** Extra config lines (cluster blocks for fault tests). */
  config?: string;
  port?: number;
  startTimeoutMs?: number;
  serverName?: string;
}

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllEmbedded);
}

/** SIGKILLs every embedded server this process started (synchronous; for exit paths). */
export function killAllEmbedded(): void {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
}


export class EmbeddedNats {
  private constructor(readonly url: string, readonly port: number, readonly pid: number, private readonly proc: ChildProcess) {}

  static async start(opts: EmbeddedNatsOptions): Promise<EmbeddedNats> {
    const bin = which(opts.binary ?? 'nats-server');
    if (!bin) throw new MissingBinary(opts.binary ?? 'nats-server', 'nats-server');
    mkdirSync(opts.storeDir, { recursive: true });
    const confPath = join(opts.storeDir, 'nats.conf');
    const name = opts.serverName ?? `gome-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    writeFileSync(confPath, [
      `server_name: "${name}"`,
      `listen: "127.0.0.1:${opts.port ?? -1}"`,
      `jetstream { store_dir: "${join(opts.storeDir, 'js')}" }`,
      'max_payload: 8MB',
      opts.config ?? '',
    ].join('\n'));
    const [file, args] = dieWithParent(bin, ['-c', confPath]);
    const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    hookExit();
    proc.once('exit', () => live.delete(proc));
    const timeoutMs = opts.startTimeoutMs ?? 10_000;
    const port = await new Promise<number>((resolve, reject) => {
      let log = '';
      let found: number | null = null;
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new EmbeddedNatsFailed(`not ready within ${timeoutMs} ms; log:\n${log.slice(-2000)}`)); }, timeoutMs);
      const onData = (b: Buffer) => {
        log += b.toString();
        const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (m) found = Number(m[1]);
        if (found !== null && /Server is ready/.test(log)) {
          clearTimeout(timer);
          proc.stderr?.off('data', onData);
          proc.stdout?.off('data', onData);
          const logFile = createWriteStream(join(opts.storeDir, 'nats.log'));
          logFile.write(log);
          proc.stderr?.pipe(logFile); proc.stdout?.pipe(logFile);
          resolve(found);
        }
      };
      proc.stderr?.on('data', onData);
      proc.stdout?.on('data', onData);
      proc.once('error', (e) => { clearTimeout(timer); reject(new EmbeddedNatsFailed(e.message)); });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new EmbeddedNatsFailed(`exited with code ${code}; log:\n${log.slice(-2000)}`)); });
    });
    return new EmbeddedNats(`nats://127.0.0.1:${port}`, port, proc.pid!, proc);
  }

  get running(): boolean { return this.proc.exitCode === null && this.proc.signalCode === null; }

  /** Stops the server (SIGTERM, then SIGKILL after the grace period) and waits for it to exit. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }

  /** Kills without grace (fault tests). */
  kill(): void { this.proc.kill('SIGKILL'); }
}
