/**
 * The way back from a task to the dataset list it was opened from: the list's search, filters
 * and page travel with the task link as `from` (the list's query string) and come back as a
 * link to the same dataset's list. Only the list's own parameters are kept, so `from` can never
 * lead anywhere but that list.
 */

/** The dataset list's query parameters (its search box, filters, page and "Count all"). */
const LIST_PARAMS = ['q', 'classification', 'emptyInput', 'origin', 'filter', 'page', 'count'] as const;
/** Longer list state is dropped rather than carried (a search is at most 500 characters). */
const MAX_FROM_LENGTH = 2_000;

/** The list state to carry from a dataset list whose URL has `search` ("?q=cherry&page=3"), or null when there is none. */
export function listState(search: string | URLSearchParams): string | null {
	const given = new URLSearchParams(search);
	const kept = new URLSearchParams();
	for (const key of LIST_PARAMS) {
		const value = given.get(key);
		if (value) kept.set(key, value);
	}
	const state = kept.toString();
	return state && state.length <= MAX_FROM_LENGTH ? state : null;
}

/** A link to a task of a dataset, carrying the list state it was opened from. */
export function taskHref(datasetId: number, taskId: number, from: string | null): string {
	return `/datasets/${datasetId}/tasks/${taskId}${from ? `?${new URLSearchParams({ from })}` : ''}`;
}

/** The dataset's list as it was (search, filters, page) when `from` names a state, else the list itself. */
export function backToListHref(datasetId: number, from: string | null): string {
	const state = from === null ? null : listState(from);
	return `/datasets/${datasetId}${state ? `?${state}` : ''}`;
}

/** A link to one instance of a task: the task page opens the page of instances holding it and scrolls to it. */
export function instanceHref(datasetId: number, taskId: number, instanceId: number | null): string {
	return instanceId === null ? taskHref(datasetId, taskId, null) : `/datasets/${datasetId}/tasks/${taskId}?instance=${instanceId}#instance-${instanceId}`;
}
