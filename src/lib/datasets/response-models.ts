/**
 * How a dataset's model responses are described. Preference pairs that name no model have their
 * responses stored under stand-in names (server/datasets/shape-rows UNNAMED_PAIR_MODELS), which
 * are not models: they are counted apart, as responses from unnamed models.
 */
export function responseModelsText(namedModels: number, unnamedResponses: number): string {
	const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
	if (unnamedResponses === 0) return plural(namedModels, 'model');
	const unnamed = `${unnamedResponses.toLocaleString('en-US')} from unnamed models`;
	return namedModels === 0 ? unnamed : `${plural(namedModels, 'named model')}; ${unnamed}`;
}
