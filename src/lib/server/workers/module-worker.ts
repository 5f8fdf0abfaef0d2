/**
 * A worker thread running one exported function of one of our modules, loaded by the module's
 * URL: in the built app a JavaScript chunk of its own (a module only ever imported dynamically
 * keeps its export names), under the CLI (tsx) the TypeScript file through tsx's API. The
 * function receives the thread's port. Where a worker cannot load the module (e.g. under a dev
 * server's module runner) the start resolves to null and the caller does the work itself.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const load = workerData.tsx ? import(workerData.tsx).then((tsx) => tsx.tsImport(workerData.url, workerData.url)) : import(workerData.url);
load.then(
	(m) => {
		m[workerData.entry](parentPort);
		parentPort.postMessage({ ready: true });
	},
	(err) => parentPort.postMessage({ failed: String((err && err.stack) || err) })
);
`;

/** Starts a worker running `entry(port)` from the module at `moduleUrl`; null when it cannot load. */
export async function startModuleWorker(moduleUrl: string, entry: string, onFailure?: (message: string) => void): Promise<Worker | null> {
	let worker: Worker | null = null;
	try {
		const tsx = moduleUrl.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
		const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { url: moduleUrl, tsx, entry }, execArgv: [] });
		worker = started;
		const ready = await new Promise<boolean>((resolve) => {
			const onMessage = (m: { ready?: true; failed?: string }) => {
				if (m.failed) onFailure?.(m.failed);
				if (m.ready || m.failed) {
					started.off('message', onMessage);
					resolve(!!m.ready);
				}
			};
			started.on('message', onMessage);
			started.once('error', (err) => {
				onFailure?.(String(err));
				resolve(false);
			});
			started.once('exit', () => resolve(false));
		});
		if (ready) return started;
	} catch (err) {
		onFailure?.(String(err));
	}
	await worker?.terminate();
	return null;
}

/** Threads worth starting on this machine: one per core, at most `max`. */
export function threadsWorthStarting(max = 4): number {
	return Math.max(1, Math.min(max, os.availableParallelism()));
}
