// Typed protocol errors: each names the cause and what to do about it.
export type ProtocolErrorCode = 'UNKNOWN_VERSION' | 'UNKNOWN_TYPE' | 'INVALID_PAYLOAD' | 'INVALID_ENVELOPE' | 'UNDECODABLE';

export abstract class ProtocolError extends Error {
  abstract readonly code: ProtocolErrorCode;
  constructor(message: string, readonly fix: string) {
    super(`${message} — fix: ${fix}`);
    this.name = new.target.name;
  }
}

export class UnknownVersion extends ProtocolError {
  readonly code = 'UNKNOWN_VERSION' as const;
  constructor(readonly got: unknown, readonly supported: readonly number[]) {
    super(`envelope has protocol version ${JSON.stringify(got)}, this build speaks ${supported.join(', ')}`,
      'run every actor of the run from the same Gome release, or replay the log with the release that wrote it');
  }
}

export class UnknownType extends ProtocolError {
  readonly code = 'UNKNOWN_TYPE' as const;
  constructor(readonly got: unknown) {
    super(`unknown message type ${JSON.stringify(got)}`,
      'send one of the types listed in protocols/messages.ts or one a custom role of the run registers in its file (the sender may be a newer or mistyped build, or its role is not in this run\'s topology)');
  }
}

export class InvalidPayload extends ProtocolError {
  readonly code = 'INVALID_PAYLOAD' as const;
  constructor(readonly type: string, readonly issues: string[]) {
    super(`payload of ${type} is invalid: ${issues.join('; ')}`,
      `make the sender build the ${type} payload from its schema in protocols/`);
  }
}

export class InvalidEnvelope extends ProtocolError {
  readonly code = 'INVALID_ENVELOPE' as const;
  constructor(readonly issues: string[]) {
    super(`envelope is invalid: ${issues.join('; ')}`, 'build envelopes with runtime/envelope-factory.ts, never by hand');
  }
}

export class Undecodable extends ProtocolError {
  readonly code = 'UNDECODABLE' as const;
  constructor(reason: string) {
    super(`message bytes are not a msgpack envelope: ${reason}`, 'publish envelopes through protocols/codec.ts encode()');
  }
}
