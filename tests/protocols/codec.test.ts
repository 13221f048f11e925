// Codec: every message type round-trips; bad versions, types and payloads raise their typed errors.
import { describe, expect, it } from 'vitest';
import { decode, encode, encodeRaw } from '../../protocols/codec.ts';
import { InvalidPayload, Undecodable, UnknownType, UnknownVersion, InvalidEnvelope } from '../../protocols/errors.ts';
import { MESSAGE_TYPES, type Envelope, type MessageType } from '../../protocols/messages.ts';
import { EnvelopeFactory } from '../../runtime/envelope-factory.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { samples } from '../helpers/envelopes.ts';

const factory = new EnvelopeFactory('r1', 'researcher.t0', 't0', new ManualClock(42));

function env<T extends MessageType>(type: T): Envelope {
  return factory.make({ to: 'developer.t0', type, payload: samples[type] }) as Envelope;
}

describe('codec', () => {
  it.each(MESSAGE_TYPES)('codec - %s round-trips through msgpack', (type) => {
    const e = env(type);
    const back = decode(encode(e));
    expect(back).toEqual(e);
    expect(back.type).toBe(type);
  });

  it('codec - every message type has a sample (the union is fully covered)', () => {
    expect(Object.keys(samples).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it('codec - unknown version raises UnknownVersion naming the supported versions', () => {
    const bad = { ...env('run.stop'), v: 99 };
    const err = (() => { try { decode(encodeRaw(bad)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UnknownVersion);
    expect((err as Error).message).toMatch(/version 99.*speaks 1/);
  });

  it('codec - unknown type raises UnknownType', () => {
    expect(() => decode(encodeRaw({ ...env('run.stop'), type: 'run.explode' }))).toThrow(UnknownType);
  });

  it('codec - invalid payload raises InvalidPayload with the field path', () => {
    const bad = { ...env('run.stop'), payload: { reason: 7 } };
    expect(() => decode(encodeRaw(bad))).toThrow(InvalidPayload);
    try { decode(encodeRaw(bad)); } catch (e) { expect((e as Error).message).toContain('reason'); }
  });

  it('codec - encode refuses to send an invalid envelope', () => {
    const bad = { ...env('budget.status'), payload: { usedMs: -1 } } as unknown as Envelope;
    expect(() => encode(bad)).toThrow(InvalidPayload);
  });

  it('codec - a broken header raises InvalidEnvelope, garbage bytes raise Undecodable', () => {
    expect(() => decode(encodeRaw({ ...env('run.stop'), from: 'NOT AN ADDRESS' }))).toThrow(InvalidEnvelope);
    expect(() => decode(new Uint8Array([0xc1, 0xc1, 0xc1]))).toThrow(Undecodable);
  });

  it('codec - envelope ids are deterministic per sender and seq is monotonic', () => {
    const f = new EnvelopeFactory('r9', 'memory.0', 'run', new ManualClock(0));
    const a = f.make({ to: 'researcher.t0', type: 'run.stop', payload: { reason: 'a' } });
    const b = f.make({ to: 'researcher.t0', type: 'run.stop', payload: { reason: 'b' } }, a as Envelope);
    expect([a.id, b.id]).toEqual(['r9:memory.0:0', 'r9:memory.0:1']);
    expect(b.causation).toBe(a.id);
    expect(b.correlation).toBe(a.correlation);
  });
});
