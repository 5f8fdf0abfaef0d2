import { parseCommandArgs } from '../args';
import { printJson, printTable } from '../output';
import { listDatasets } from '$lib/server/datasets/datasets';

const USAGE = 'Usage: npm run cli -- datasets [--json]';

export async function run(argv: string[]): Promise<void> {
	const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE, false);
	const rows = listDatasets().map((d) => ({ id: d.id, name: d.name, tasks: d.tasks, instances: d.instances, responses: d.responses, models: d.models }));
	if (values.json) printJson(rows);
	else printTable(rows);
}
