/**
 * For bench/locks.bench.ts: applies the Alpaca filter preset (ROUGE-L off: its work is outside
 * the lock) to a dataset from its own process, as another writer beside the server; prints the
 * longest write-lock hold as JSON. Usage: node --import tsx bench/locks-filters-worker.ts <db> <datasetId>
 */
import path from 'node:path';
import { lockHoldStats, openDatabase } from '../src/lib/server/db';
import { applyFilters } from '../src/lib/server/filters/apply';
import { filterPreset } from '../src/lib/filters';

const [file, datasetId] = process.argv.slice(2);
const db = openDatabase(file, path.resolve('migrations'));
const config = filterPreset('alpaca');
config.instruction.rougeL.enabled = false;
const started = performance.now();
await applyFilters(Number(datasetId), config, null, db);
const hold = lockHoldStats()['apply filters'];
process.stdout.write(JSON.stringify({ ms: Math.round(performance.now() - started), maxHoldMs: hold?.maxMs ?? 0, transactions: hold?.transactions ?? 0 }) + '\n');
db.$client.close();
