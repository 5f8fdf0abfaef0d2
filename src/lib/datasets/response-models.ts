/** The stand-in model names of a preference pair imported without model names (responses need a model). */
export const UNNAMED_PAIR_MODELS = { a: 'completion_a', b: 'completion_b' } as const;

/** Whether a response's model is one of the stand-ins (UNNAMED_PAIR_MODELS), not a model's name. */
export function isUnnamedPairModel(model: string): boolean {
	return model === UNNAMED_PAIR_MODELS.a || model === UNNAMED_PAIR_MODELS.b;
}

/**
 * How a dataset's model responses are described. Preference pairs that name no model have their
 * responses stored under stand-in names (UNNAMED_PAIR_MODELS), which
 * are not models: they are counted apart, as responses from unnamed models.
 */
export function responseModelsText(namedModels: number, unnamedResponses: number): string {
	const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
	if (unnamedResponses === 0) return plural(namedModels, 'model');
	const unnamed = `${unnamedResponses.toLocaleString('en-US')} from unnamed models`;
	return namedModels === 0 ? unnamed : `${plural(namedModels, 'named model')}; ${unnamed}`;
}
