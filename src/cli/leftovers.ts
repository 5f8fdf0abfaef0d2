import { db } from '$lib/server/db';
import { removeLeftoverImports } from '$lib/server/datasets/importing';
import { removeLeftoverAudits } from '$lib/server/audits/preparing';

/**
 * Takes back what a stopped process left half written (an import, an audit being created), as
 * the server does at its start. Without it a CLI-only user whose import was killed would find
 * the dataset closed "until the import finishes", which never comes. Cheap when nothing is left
 * over (one query each); an import or audit whose process still runs is left alone.
 */
export async function removeLeftoversOfStoppedProcesses(): Promise<void> {
	const database = db();
	const imports = await removeLeftoverImports(database);
	if (imports.datasets + imports.appends) console.error(`note: removed ${imports.datasets + imports.appends} unfinished import(s) (${imports.rows} rows) left by a stopped process.`);
	const audits = await removeLeftoverAudits(database);
	if (audits.audits) console.error(`note: removed ${audits.audits} unfinished audit(s) (${audits.items} items) left by a stopped process.`);
}
