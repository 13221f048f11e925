// Test helper: a scripted OpenAI chat-completions server on loopback (node:http only), so LLM-client tests
// run the real `openai` SDK against it: replies, error statuses, slow/hanging replies, auth, models, concurrency.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequestRecord {
  at: number;               // Date.now() when the request arrived
  path: string;             // e.g. '/v1/chat/completions'
  headers: Record<string, string | string[] | undefined>;
  body: any;                // parsed JSON body (model, messages, response_format, max_tokens, ...)
}

/** What the server does for one chat-completions request. */
export type ScriptStep =
  | { kind: 'reply'; content: string; usage?: { prompt_tokens: number; completion_tokens: number } }   // 200 with this assistant message content
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }            // e.g. 429 with {'retry-after': '1'}, or 500; body default {error:{message,type,code}} in OpenAI's error shape
  | { kind: 'slow'; delayMs: number; content: string }                                             // replies after delayMs unless the client hangs up first (then record that it was aborted and send nothing)
  | { kind: 'hang' };                                                                              // never answers until the client disconnects

/** Decides a reply from the request (a "playing" model); return a ScriptStep. */
export type Responder = (body: any, req: ChatRequestRecord) => ScriptStep | Promise<ScriptStep>;

export interface ChatServerOptions {
  script?: ScriptStep[];          // consumed in order, one per chat-completions request; when exhausted, falls back to `respond`, else 500 "script exhausted"
  respond?: Responder;
  models?: string[];              // ids listed by GET /v1/models (default ['test-model']); GET /v1/models/:id 404s (OpenAI error shape, code 'model_not_found') for others
  apiKey?: string;                // when set, requests without `Authorization: Bearer <apiKey>` get 401 in OpenAI's error shape (code 'invalid_api_key')
  port?: number;                  // default 0 (any free port)
  jsonSchema?: boolean;           // default true. When false, a request whose body has response_format.type === 'json_schema' gets 400 (param 'response_format')
}

export interface ChatServer {
  url: string;                    // 'http://127.0.0.1:PORT/v1'
  port: number;
  requests: ChatRequestRecord[];  // every request, in arrival order (including GET /v1/models)
  aborted: number;                // how many requests the client hung up on before a reply was sent
  maxConcurrent: number;          // the most chat-completions requests in flight at once (for concurrency-limit tests)
  close(): Promise<void>;         // closes the server and destroys open sockets
}

interface OpenAIErrorBody { error: { message: string; type: string; param: string | null; code: string | null } }

function errorBody(message: string, type: string, code: string | null = null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** OpenAI-shaped default error body for a bare status step. */
function defaultErrorFor(status: number): OpenAIErrorBody {
  if (status === 400) return errorBody('Bad request', 'invalid_request_error');
  if (status === 401) return errorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
  if (status === 403) return errorBody('Permission denied', 'invalid_request_error');
  if (status === 404) return errorBody('Not found', 'invalid_request_error');
  if (status === 429) return errorBody('Rate limit reached for requests', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return errorBody('The server had an error while processing your request.', 'server_error');
  return errorBody(`HTTP ${status}`, 'invalid_request_error');
}

/** Characters of one message's content: a string, or an array of parts whose text parts count. */
function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    let n = 0;
    for (const part of content) {
      if (typeof part === 'string') n += part.length;
      else if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') n += (part as { text: string }).text.length;
    }
    return n;
  }
  return 0;
}

function promptChars(body: any): number {
  const messages: unknown = body?.messages;
  if (!Array.isArray(messages)) return 0;
  let n = 0;
  for (const m of messages) n += contentChars((m as { content?: unknown } | null)?.content);
  return n;
}

export function startChatServer(opts: ChatServerOptions = {}): Promise<ChatServer> {
  const script = [...(opts.script ?? [])];
  const models = opts.models ?? ['test-model'];
  const jsonSchema = opts.jsonSchema ?? true;
  let completionSeq = 0;
  let requestSeq = 0;
  let inFlight = 0;
  let closing = false;

  // The returned handle, mutated in place so callers always see live counts.
  const state: ChatServer = {
    url: '',
    port: 0,
    requests: [],
    aborted: 0,
    maxConcurrent: 0,
    close: () =>
      new Promise<void>((done) => {
        closing = true;
        server.close(() => done());
        server.closeAllConnections();
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'x-request-id': `req_${++requestSeq}`,
      ...headers,
    });
    res.end(text);
  };

  const completion = (body: any, content: string, usage?: { prompt_tokens: number; completion_tokens: number }) => {
    const prompt_tokens = usage?.prompt_tokens ?? Math.ceil(promptChars(body) / 4);
    const completion_tokens = usage?.completion_tokens ?? Math.ceil(content.length / 4);
    return {
      id: `chatcmpl-${++completionSeq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body?.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
    };
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const nextStep = async (body: any, record: ChatRequestRecord): Promise<ScriptStep> => {
    const step = script.shift();
    if (step) return step;
    if (opts.respond) return opts.respond(body, record);
    return { kind: 'status', status: 500, body: errorBody('script exhausted', 'server_error') };
  };

  /** Runs one chat-completions request after validation; resolves when the response is sent or the client left. */
  const handleChat = async (res: ServerResponse, body: any, record: ChatRequestRecord, hungUp: () => boolean, onHangUp: (fn: () => void) => void): Promise<void> => {
    let step: ScriptStep;
    try {
      step = await nextStep(body, record);
    } catch (err) {
      send(res, 500, errorBody(`responder failed: ${(err as Error)?.message ?? String(err)}`, 'server_error'));
      return;
    }
    if (hungUp()) return;
    switch (step.kind) {
      case 'reply':
        send(res, 200, completion(body, step.content, step.usage));
        return;
      case 'status':
        send(res, step.status, step.body ?? defaultErrorFor(step.status), step.headers ?? {});
        return;
      case 'slow': {
        const { delayMs, content } = step;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            if (!hungUp()) send(res, 200, completion(body, content));
            resolve();
          }, delayMs);
          onHangUp(() => { clearTimeout(timer); resolve(); });
        });
        return;
      }
      case 'hang':
        await new Promise<void>((resolve) => onHangUp(resolve));
        return;
      default: {
        const never: never = step;
        send(res, 500, errorBody(`unknown script step ${JSON.stringify(never)}`, 'server_error'));
      }
    }
  };

  const server = createServer((req, res) => {
    const record: ChatRequestRecord = {
      at: Date.now(),
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: { ...req.headers },
      body: undefined,
    };
    state.requests.push(record);

    // Hang-up detection: 'close' before the response finished means the client left first.
    let hungUp = false;
    const hangUpListeners: (() => void)[] = [];
    res.on('close', () => {
      if (res.writableFinished) return;
      hungUp = true;
      if (!closing) state.aborted++;
      for (const fn of hangUpListeners.splice(0)) fn();
    });
    const onHangUp = (fn: () => void): void => { if (hungUp) fn(); else hangUpListeners.push(fn); };

    void (async () => {
      const raw = await readBody(req).catch(() => '');
      if (raw.length > 0) {
        try {
          record.body = JSON.parse(raw);
        } catch {
          send(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error'));
          return;
        }
      }
      if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        send(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
        return;
      }
      const method = req.method ?? 'GET';
      const path = record.path;

      if (method === 'GET' && path === '/v1/models') {
        send(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
        return;
      }
      if (method === 'GET' && path.startsWith('/v1/models/')) {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        if (models.includes(id)) send(res, 200, { id, object: 'model', created: 0, owned_by: 'test' });
        else send(res, 404, errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model'));
        return;
      }
      if (path !== '/v1/chat/completions') {
        send(res, 404, errorBody(`Unknown request URL: ${method} ${path}`, 'invalid_request_error', 'unknown_url'));
        return;
      }
      if (method !== 'POST') {
        send(res, 405, errorBody(`Method ${method} not allowed`, 'invalid_request_error'));
        return;
      }

      inFlight++;
      state.maxConcurrent = Math.max(state.maxConcurrent, inFlight);
      try {
        const body = record.body;
        if (!body || typeof body !== 'object') {
          send(res, 400, errorBody('Request body must be a JSON object', 'invalid_request_error'));
          return;
        }
        if (body.stream === true) {
          send(res, 400, errorBody('stream is not supported by this test server', 'invalid_request_error', null, 'stream'));
          return;
        }
        if (!jsonSchema && body.response_format?.type === 'json_schema') {
          send(res, 400, errorBody('response_format json_schema is not supported', 'invalid_request_error', null, 'response_format'));
          return;
        }
        await handleChat(res, body, record, () => hungUp, onHangUp);
      } finally {
        inFlight--;
      }
    })().catch((err: unknown) => {
      send(res, 500, errorBody(`test server error: ${(err as Error)?.message ?? String(err)}`, 'server_error'));
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      state.port = port;
      state.url = `http://127.0.0.1:${port}/v1`;
      resolve(state);
    });
  });
}
