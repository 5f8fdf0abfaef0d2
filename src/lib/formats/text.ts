/** Small text helpers shared by the importers. */

/**
 * Collapse every whitespace run to one space and trim. The key on which instance rows join
 * their task and prediction rows join the dataset's tasks: the Self-Instruct prediction files
 * repeat the task instructions with leading, trailing or doubled whitespace changed
 * (18 of 252 lines).
 */
export function normalizeWhitespace(s: string): string {
	// Most texts are already normal (single spaces, nothing at the ends): a test allocates nothing,
	// where replace() and trim() build a new string every time (a million-row import made 2.7 s of them).
	return NOT_NORMAL.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

/** Whitespace that normalizeWhitespace changes: any but a lone space between two other characters. */
const NOT_NORMAL = /^\s|\s$|\s\s|[^\S ]/;

// Self-Instruct names its prediction files `<model>_predictions.jsonl`.
const PREDICTIONS_SUFFIX = /[._-]predictions$/i;
const DATA_EXTENSIONS = /(?:\.(?:jsonl|ndjson|json|txt))+$/i;

/**
 * The model a prediction file belongs to, from its name:
 * "human_eval/predictions/davinci-t0-ft_predictions.jsonl" → "davinci-t0-ft".
 */
export function modelNameFromFileName(fileName: string): string {
	const base = fileName.split(/[\\/]/).pop() ?? fileName;
	const stem = base.replace(DATA_EXTENSIONS, '');
	const model = stem.replace(PREDICTIONS_SUFFIX, '');
	return model || stem || base;
}
