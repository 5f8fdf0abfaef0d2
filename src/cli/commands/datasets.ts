import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printOutcome, printTable } from '../output';
import { actor, admin, reportPurge } from '../actor';
import { listDatasets, resolveDataset } from '$lib/server/datasets/datasets';
import { db } from '$lib/server/db';
import { archiveDataset, deleteDataset, purgeDataset, restoreDataset } from '$lib/server/archive';

const USAGE = `Usage:
  npx instruct-audit datasets [list] [--archived] [--json]
  npx instruct-audit datasets delete <name|id> --confirm <name>
  npx instruct-audit datasets archive <name|id> [--as <email>]
  npx instruct-audit datasets restore <name|id>
  npx instruct-audit datasets purge <name|id> --confirm <name> --as <admin email>

A dataset whose audits hold reviewed work (labels, adjudications, drafts) is never deleted:
delete refuses, naming each audit and its counts. Archive it instead (hidden from lists and
read-only, with its audits; restore brings it back). Only an administrator purges an archived
dataset, typing its name, after a verified backup of the database is written. Every action
takes --json: what it did as JSON.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{ json: { type: 'boolean' }, archived: { type: 'boolean' }, confirm: { type: 'string' }, as: { type: 'string' } },
		USAGE
	);
	const action = positionals[0] ?? 'list';
	refuseExtraPositionals(positionals, action === 'list' ? 1 : 2, USAGE);
	const dataset = () => {
		if (!positionals[1]) throw usageError(`Give the dataset's name or id.`, USAGE);
		return resolveDataset(positionals[1]);
	};
	switch (action) {
		case 'list': {
			const rows = listDatasets(db(), { archived: values.archived }).map((d) => ({
				id: d.id,
				name: d.name,
				tasks: d.tasks,
				instances: d.instances,
				responses: d.responses,
				models: d.models
			}));
			if (values.json) printJson(rows);
			else printTable(rows);
			return;
		}
		case 'delete': {
			const d = dataset();
			if (values.confirm !== d.name) throw new CliError(`Give --confirm "${d.name}" to delete the dataset.`, 2);
			await deleteDataset(d.id).removal;
			printOutcome(values.json, { deleted: { id: d.id, name: d.name } }, `deleted dataset "${d.name}"`);
			return;
		}
		case 'archive': {
			const d = dataset();
			const { audits } = archiveDataset(d.id, values.as ? actor(values.as).id : null);
			printOutcome(values.json, { archived: { id: d.id, name: d.name }, audits }, `archived (with ${audits} audit(s))`);
			return;
		}
		case 'restore': {
			const d = dataset();
			const { audits } = restoreDataset(d.id);
			printOutcome(values.json, { restored: { id: d.id, name: d.name }, audits }, `restored (with ${audits} audit(s))`);
			return;
		}
		case 'purge': {
			const d = dataset();
			reportPurge(await purgeDataset(d.id, admin(values.as), values.confirm), values.json);
			return;
		}
		default:
			throw usageError(`Unknown action "${action}".`, USAGE);
	}
}
