// Starts the built app for the browser tests on a fresh database file (removed first).
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.E2E_DATA_DIR;
if (!dir) throw new Error('E2E_DATA_DIR is not set');
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const { serve } = await import(path.resolve('scripts/serve.js'));
await serve(process.cwd());
