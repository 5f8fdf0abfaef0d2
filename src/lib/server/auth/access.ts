import type { Role } from '../db/tables';

/**
 * The role each part of the app needs, checked in hooks for every request before any route
 * code runs (routes check again with requireRole). Longest matching prefix wins; paths not
 * listed need a signed-in user of any role.
 */
const RULES: [prefix: string, role: Role | 'public'][] = [
	['/login', 'public'],
	['/setup', 'public'],
	['/logout', 'public'],
	['/favicon.svg', 'public'],
	['/_app/', 'public'],
	['/healthz', 'public'],
	['/admin', 'admin'],
	['/api/admin', 'admin'],
	['/datasets', 'researcher'],
	['/api/datasets', 'researcher'],
	['/runs', 'researcher'],
	['/api/runs', 'researcher'],
	['/audits', 'researcher'],
	['/api/audits', 'researcher'],
	['/reports', 'researcher'],
	['/api/reports', 'researcher'],
	['/exports', 'researcher'],
	['/api/exports', 'researcher'],
	['/account', 'reviewer'],
	['/review', 'reviewer'],
	['/api/review', 'reviewer']
];

function matches(path: string, prefix: string): boolean {
	if (prefix.endsWith('/')) return path.startsWith(prefix);
	return path === prefix || path.startsWith(prefix + '/');
}

export function requiredRole(pathname: string): Role | 'public' {
	let best: [string, Role | 'public'] | undefined;
	for (const rule of RULES) {
		if (matches(pathname, rule[0]) && (!best || rule[0].length > best[0].length)) best = rule;
	}
	return best ? best[1] : 'reviewer';
}
