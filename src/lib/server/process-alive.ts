import fs from 'node:fs';

/**
 * Whether a process of this host is running: the one test for "is the writer of this import,
 * run, backup or half-made audit still there". A killed process nobody has reaped yet (a zombie,
 * common in containers whose first process does not reap) still answers signal 0 but is dead;
 * one that exists but belongs to another user (EPERM) is alive.
 */
export function processIsAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (err) {
		return (err as NodeJS.ErrnoException).code !== 'ESRCH';
	}
	try {
		// /proc/<pid>/stat: "pid (name) state …"; the name may hold spaces or parentheses.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return true; // no /proc (not Linux): trust the signal
	}
}
