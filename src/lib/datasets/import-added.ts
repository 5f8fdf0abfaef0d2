/** An import's row as the dataset page lists it. */
export interface ImportAdded {
	tasksAdded: number;
	instancesAdded: number;
	responsesAdded: number;
	pairsAdded: number;
	conversationsAdded: number;
	skippedDuplicates: number;
}

/**
 * What an import added, in one line: every kind of row it added (a preference import adds tasks,
 * instances, pairs and their responses, not only responses) and the duplicates it skipped (a
 * re-import that added nothing reads "0 tasks, 0 inst.; 4 duplicates skipped", not as if it had
 * read nothing).
 */
export function importAddedText(imp: ImportAdded): string {
	const n = (v: number) => v.toLocaleString('en-US');
	const parts = [`${n(imp.tasksAdded)} tasks`, `${n(imp.instancesAdded)} inst.`];
	if (imp.conversationsAdded) parts.push(`${n(imp.conversationsAdded)} conv.`);
	if (imp.pairsAdded) parts.push(`${n(imp.pairsAdded)} pairs`);
	if (imp.responsesAdded) parts.push(`${n(imp.responsesAdded)} responses`);
	const added = parts.join(', ');
	return imp.skippedDuplicates ? `${added}; ${n(imp.skippedDuplicates)} duplicate${imp.skippedDuplicates === 1 ? '' : 's'} skipped` : added;
}
