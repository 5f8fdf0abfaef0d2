import { error } from '@sveltejs/kit';
import type { Dataset } from '../db/tables';
import { getDataset, receivingImport } from './datasets';

/**
 * The dataset a route's id names, or the error page: 409 saying so while an import adds rows to
 * it (it opens again when the import finishes), 404 when there is none.
 */
export function datasetOrError(raw: string | number): Dataset {
	const id = Number(raw);
	const dataset = getDataset(id);
	if (dataset) return dataset;
	const busy = receivingImport({ id });
	error(busy ? 409 : 404, { message: busy ?? 'No such dataset.' });
}
