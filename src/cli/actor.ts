/**
 * Who a CLI command acts as, for the actions that record a person (archiving) or need an
 * administrator (purging): `--as <email>` names an active account.
 */
import { formatByteSize } from '$lib/formats/file-size';
import { CliError, notFound } from './cli-error';
import { printJson } from './output';
import { findUserByEmail } from '$lib/server/auth/users';
import type { Actor, PurgeResult } from '$lib/server/archive';

export function actor(email: string): Actor {
	const user = findUserByEmail(email);
	if (!user || user.disabledAt) throw notFound(`No active account for ${email}.`);
	return { id: user.id, role: user.role };
}

/** Purging needs `--as` naming an administrator. */
export function admin(email: string | undefined): Actor {
	if (!email) throw new CliError('Purging needs --as <email> of an administrator account.', 2);
	const who = actor(email);
	if (who.role !== 'admin') throw new CliError(`${email} is not an administrator; only an administrator can purge.`);
	return who;
}

/** Importing an audit records its importer, who must be a researcher or administrator (as the import page requires). */
export function researcher(email: string, doing: string): Actor {
	const who = actor(email);
	if (who.role !== 'researcher' && who.role !== 'admin') throw new CliError(`${email} is a ${who.role}; only a researcher or administrator can ${doing}.`);
	return who;
}

export function reportPurge(result: PurgeResult, json: boolean | undefined): void {
	if (json) {
		printJson({ purged: result.plan, backup: { file: result.backup.file, bytes: result.backup.bytes } });
		return;
	}
	console.log(`backup written first: ${result.backup.file} (${formatByteSize(result.backup.bytes)}, verified)`);
	console.log(`purged ${result.plan.kind} "${result.plan.name}": ${result.plan.counts.filter((c) => c.n).map((c) => `${c.n} ${c.what}`).join(', ') || 'nothing else'}`);
}
