/**
 * The app's version for manifests: package.json's version and, when the app runs from a git
 * checkout (or GIT_COMMIT is set, e.g. by a deployment), the commit.
 */
import { execFileSync } from 'node:child_process';
import pkg from '../../../../package.json';
import { config } from '../config';

export interface AppVersion {
	name: string;
	version: string;
	commit: string | null;
}

let cached: AppVersion | undefined;

export function appVersion(): AppVersion {
	cached ??= { name: pkg.name, version: pkg.version, commit: currentCommit() };
	return cached;
}

function currentCommit(): string | null {
	const fromEnv = config().gitCommit;
	if (fromEnv) return fromEnv;
	try {
		const out = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim();
		return /^[0-9a-f]{40}$/.test(out) ? out : null;
	} catch {
		return null;
	}
}
