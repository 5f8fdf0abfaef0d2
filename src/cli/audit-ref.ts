import { CliError, notFound } from './cli-error';
import { auditIdsNamed } from '$lib/server/audits/audits';

/**
 * The audit a command line names: its id, or its name when one audit has it (`report myaudit`,
 * `audit show myaudit`). `listWith` is the command that lists them, for the not-found message.
 */
export function resolveAuditRef(ref: string, listWith: string): number {
	if (/^\d+$/.test(ref)) return Number(ref);
	const matches = auditIdsNamed(ref);
	if (matches.length === 1) return matches[0];
	// The command line does not say which one: a usage error (exit 2) naming their ids, not a failure.
	if (matches.length > 1) throw new CliError(`Several audits are named "${ref}"; use the id (${matches.join(', ')}).`, 2, {}, undefined, 'ambiguous');
	throw notFound(`No audit "${ref}". List them with: ${listWith}`);
}
