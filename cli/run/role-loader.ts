// Loads a topology's custom roles (roles.<name>.machine): reads each role file, checks its sha256 against the one the
// run recorded (replay and resume refuse a file that changed), imports it, calls its factory with Gome's kit, checks
// the definition and the role's params, and registers the role's own message types with the codec. Every problem is
// a RoleFileInvalid naming the role, the file and the fix, raised before any work starts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { customRoles, type Topology } from '../../protocols/topology.ts';
import { registerMessageTypes } from '../../protocols/message-registry.ts';
import { describeConfigIssue } from '../../protocols/config-errors.ts';
import { definitionProblems, ROLE_KIT, type LoadedRole, type RoleDefinition } from '../../actors/custom-role.ts';
import { RoleFileInvalid } from './role-file-invalid.ts';
import { MACHINES } from '../../actors/machines.ts';
import type { MachineRegistry } from '../../runtime/replay.ts';

const ROLE_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Every custom role of the topology, loaded and checked, in file order. `recorded`: the topology comes from a run
 * (run_meta.json, a log's header), so each file must still have the sha256 the run recorded.
 */
export async function loadRoles(topology: Topology, opts: { recorded?: boolean } = {}): Promise<LoadedRole[]> {
  const custom = customRoles(topology);
  const names = custom.map(([n]) => n);
  const loaded: LoadedRole[] = [];
  for (const [name, settings] of custom) {
    const file = resolve(settings.machine!);
    const bad = (reason: string, fix: string) => new RoleFileInvalid(name, file, reason, fix);
    if (!ROLE_FILE_EXTENSIONS.includes(extname(file).toLowerCase())) throw bad(`a role file ends in ${ROLE_FILE_EXTENSIONS.join(', ')}`, 'give roles.<name>.machine the path of the role\'s .ts or .js file');
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw bad('there is no such file', opts.recorded ? 'restore the role file the run used at that path' : 'give roles.<name>.machine the path of the role file, relative to the topology file');
    }
    const sha256 = fileSha256(file);
    if (settings.sha256 && settings.sha256 !== sha256) {
      throw bad(`the file changed since ${opts.recorded ? 'the run was recorded' : 'its sha256 was pinned'} (sha256 ${settings.sha256.slice(0, 12)}…, now ${sha256.slice(0, 12)}…)`,
        opts.recorded ? 'restore the role file as it was when the run was recorded (replay and resume must run the same machine)' : 'update roles.<name>.sha256, or remove it');
    }
    let mod: { default?: unknown };
    try {
      // the digest in the URL: a file that changed is imported afresh, not served from the module cache
      mod = await import(`${pathToFileURL(file).href}?sha256=${sha256}`) as { default?: unknown };
    } catch (e) {
      throw bad(`it cannot be imported: ${(e as Error).message.split('\n')[0]}`, 'fix the file so that node can import it (a .ts file may only use syntax that types strip away)');
    }
    if (typeof mod.default !== 'function') {
      throw bad(`its default export is ${mod.default === undefined ? 'missing' : `a ${typeof mod.default}`}, not a role factory`, 'end the file with: export default (kit) => ({ machine, messages, intercepts, params })');
    }
    let def: RoleDefinition;
    try { def = (mod.default as (k: typeof ROLE_KIT) => RoleDefinition)(ROLE_KIT); } catch (e) {
      throw bad(`its role factory threw: ${(e as Error).message}`, 'fix the role factory');
    }
    const problems = definitionProblems(name, def, names);
    if (problems.length) throw bad(problems.join('; '), 'fix the definition the role factory returns (see the Critic in the README)');
    let params: unknown = settings.params;
    if (def.params) {
      const r = def.params.safeParse(settings.params ?? {});
      if (!r.success) {
        // named by their path in the topology: "roles.critic.params.maxShare was 2, but it must be at most 1."
        const input = { roles: { [name]: { params: settings.params ?? {} } } };
        const sentences = r.error.issues.map((i) => describeConfigIssue({ ...i, path: ['roles', name, 'params', ...i.path] } as typeof i, input, {}));
        throw bad(`its params are invalid: ${sentences.join(' ')}`, `fix roles.${name}.params in the topology`);
      }
      params = r.data;
    } else if (settings.params !== undefined && Object.keys(settings.params).length) {
      throw bad('the role takes no params, and the topology gives some', `remove roles.${name}.params (or give the role a params schema)`);
    }
    try { registerMessageTypes(name, def.messages ?? {}); } catch (e) { throw bad((e as Error).message, 'rename the role\'s message types "<role>.<name>"'); }
    loaded.push({ name, file, sha256, definition: def, params, settings });
  }
  // replay finds a role's machine by its id: two roles may not share one
  const ids = new Map<string, string>();
  for (const r of loaded) {
    const other = ids.get(r.definition.machine.id);
    if (other) throw new RoleFileInvalid(r.name, r.file, `its machine's id "${r.definition.machine.id}" is role ${other}'s too`, `give each role's machine its own id (e.g. id: "${r.name}")`);
    ids.set(r.definition.machine.id, r.name);
  }
  // two roles intercepting one message on its way to one role would pass it back and forth
  const seen = new Map<string, string>();
  for (const r of loaded) {
    for (const ic of r.definition.intercepts ?? []) {
      const key = `${ic.type} → ${ic.to}`;
      const other = seen.get(key);
      if (other) throw new RoleFileInvalid(r.name, r.file, `roles ${other} and ${r.name} both intercept ${ic.type} on its way to ${ic.to}`, 'let one role intercept it (chained interceptions are not built)');
      seen.set(key, r.name);
    }
  }
  return loaded;
}

/** The topology with each custom role's file recorded as loaded (absolute path and sha256), as the run stores it. */
export function withRoleFiles(topology: Topology, roles: readonly LoadedRole[]): Topology {
  if (!roles.length) return topology;
  return { ...topology, roles: { ...topology.roles, ...Object.fromEntries(roles.map((r) => [r.name, { ...r.settings, machine: r.file, sha256: r.sha256 }])) } };
}

/** The machines replay and resume rebuild actors from: the built-in ones and the loaded roles', by xstate id. */
export function machinesWith(roles: readonly LoadedRole[]): MachineRegistry {
  return { ...MACHINES, ...Object.fromEntries(roles.map((r) => [r.definition.machine.id, r.definition.machine])) };
}
