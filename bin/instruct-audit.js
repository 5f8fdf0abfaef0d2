#!/usr/bin/env node
// `npx instruct-audit <command> …` (and `npm run cli -- …`): the command line of src/cli/main.ts,
// compiled on the fly by tsx with the project's tsconfig (for the $lib paths). Nothing else is
// printed on stdout, so `… --json | jq` reads pure JSON.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
register({ tsconfig: path.join(root, 'tsconfig.json') });
await import(pathToFileURL(path.join(root, 'src/cli/main.ts')).href);
