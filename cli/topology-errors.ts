// A topology file that cannot be used: each problem names the field (dotted path), its line in the file and what is
// allowed, as sentences; never a raw list of validation issues.

/** One problem in a topology file: the field's dotted path ('' for the file as a whole), its line (1-based) if known. */
export interface TopologyProblem {
  path: string;
  line: number | null;
  message: string;
}

/** Where a problem is: `x.yaml line 7, field "policy.c"`, `x.yaml line 3` or just `x.yaml`. */
export function locate(display: string, p: TopologyProblem): string {
  return `${display}${p.line !== null ? ` line ${p.line}` : ''}${p.path ? `, field "${p.path}"` : ''}`;
}

/** A topology file (or preset name) that does not give a valid topology; the message is one sentence per problem. */
export class TopologyFileInvalid extends Error {
  readonly code = 'TOPOLOGY_FILE_INVALID' as const;
  /**
   * @param file the file's absolute path (for an unknown preset, where it was looked for)
   * @param problems one per field, with its line
   * @param display how the file is named in the message (relative to the working directory when inside it)
   */
  constructor(readonly file: string, readonly problems: TopologyProblem[], display: string = file) {
    super(problems.map((p) => sentence(`${locate(display, p)}: ${p.message}`)).join(' '));
    this.name = 'TopologyFileInvalid';
  }
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
