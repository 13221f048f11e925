// Typed runtime errors: a missing binary, a request that timed out, a connection problem, an escalated actor.
export class GomeError extends Error {
  constructor(message: string, readonly fix: string) {
    super(`${message} — fix: ${fix}`);
    this.name = new.target.name;
  }
}

export class MissingBinary extends GomeError {
  constructor(readonly binary: string, readonly debianPackage: string) {
    super(`required program "${binary}" was not found on PATH`, `apt-get install -y ${debianPackage} (or run: gome doctor)`);
  }
}

export class RequestTimeout extends GomeError {
  constructor(readonly to: string, readonly type: string, readonly timeoutMs: number) {
    super(`request ${type} to ${to} got no reply within ${timeoutMs} ms`,
      `check that actor ${to} is running (gome doctor; the run log), or raise the timeout`);
  }
}

export class NatsUnavailable extends GomeError {
  constructor(readonly url: string, cause: string) {
    super(`cannot connect to NATS at ${url}: ${cause}`, 'start nats-server, pass a reachable --nats URL, or omit --nats to use the embedded server');
  }
}

export class ActorEscalation extends GomeError {
  constructor(readonly address: string, readonly restarts: number, cause: string) {
    super(`actor ${address} crashed ${restarts} times and was stopped: ${cause}`,
      'inspect the dead-letter entries and the actor log; the message that crashed it is in the dead-letter subject');
  }
}

export class EmbeddedNatsFailed extends GomeError {
  constructor(reason: string) {
    super(`embedded nats-server did not start: ${reason}`, 'run nats-server -js by hand to see its error, or pass --nats URL');
  }
}
