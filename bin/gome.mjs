#!/usr/bin/env node
// The `gome` command: loads the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(join(here, '..', 'cli', 'main.ts')).href);
process.exitCode = await main(process.argv);
