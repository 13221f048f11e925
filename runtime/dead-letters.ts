// Dead letters: anything an actor cannot accept goes to gome.<run>._dlq.<its role> with the reason, and is logged.
import { Packr } from 'msgpackr';
import { roleOf, subjects } from '../protocols/subjects.ts';
import type { Bus } from './bus.ts';
import type { Logger } from './logger.ts';

export interface DeadLetter {
  kind: 'dead-letter';
  code: string;
  reason: string;
  actor: string;
  subject: string;
  ts: number;
  /** The original bytes, so nothing is lost. */
  raw: Uint8Array;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeDeadLetter(d: DeadLetter): Uint8Array { return packr.pack(d); }
export function decodeDeadLetter(b: Uint8Array): DeadLetter { return packr.unpack(b) as DeadLetter; }

export class DeadLetterOffice {
  constructor(private readonly bus: Bus, private readonly run: string, private readonly logger: Logger) {}

  post(d: Omit<DeadLetter, 'kind'>): void {
    this.logger.warn({ code: d.code, reason: d.reason, subject: d.subject, actor: d.actor }, 'dead letter');
    this.bus.publishRaw(subjects.deadLetter(this.run, roleOf(d.actor)), encodeDeadLetter({ kind: 'dead-letter', ...d }));
  }
}
