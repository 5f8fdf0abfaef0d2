/**
 * Who is running a run: "host:pid:nonce". On the same host a dead pid means the run is
 * orphaned at once (a `kill -9` of the CLI or the server); elsewhere only a stale heartbeat
 * tells.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { processIsAlive } from '../../process-alive';

export function makeOwner(): string {
	return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export function parseOwner(owner: string): { host: string; pid: number; nonce: string } | null {
	const m = /^(.*):(\d+):([0-9a-f]+)$/.exec(owner);
	return m ? { host: m[1], pid: Number(m[2]), nonce: m[3] } : null;
}

/** False when the owner is a process on this host that no longer exists. */
export function ownerProcessAlive(owner: string): boolean {
	const parsed = parseOwner(owner);
	if (!parsed || parsed.host !== os.hostname()) return true;
	if (parsed.pid === process.pid) return true;
	return processIsAlive(parsed.pid);
}
