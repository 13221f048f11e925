// Serves the playing model on loopback for trying the LLM brain by hand (no key, no network):
//   node bin/run-ts.mjs tests/llm/serve-playing.ts [port]      → prints its base URL, serves until Ctrl-C
//   OPENAI_API_KEY=sk-local gome run bench/breast-cancer-diagnosis --llm openai:play --llm-base-url URL
import { startChatServer } from './chat-server.ts';
import { playingModel } from './playing-model.ts';

const play = playingModel();
const server = await startChatServer({ respond: play.respond, models: ['play'], port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${server.url}\n`);
process.on('SIGINT', () => { void server.close().then(() => process.exit(0)); });
