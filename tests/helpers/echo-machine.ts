// Test helper: a tiny machine that logs every run.stop it receives, replies to its sender, and throws on "boom".
import { assign, emit, setup } from 'xstate';
import type { Envelope } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';

export const echoMachine = setup({
  types: {} as { context: { seen: string[] }; events: Envelope; emitted: SendEvent },
}).createMachine({
  id: 'echo',
  context: { seen: [] },
  initial: 'running',
  states: {
    running: {
      on: {
        'run.stop': {
          actions: [
            assign({
              seen: ({ context, event }) => {
                if (event.payload.reason === 'boom') throw new Error('boom requested');
                return [...context.seen, event.payload.reason];
              },
            }),
            emit(({ event }) => out(event.from, 'run.stop', { reason: `echo:${event.payload.reason}` })),
          ],
        },
      },
    },
  },
});
