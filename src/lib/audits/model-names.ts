/**
 * The model names a repeated `--models` option gives. A model's name may hold commas
 * ("gpt-3.5 (temperature=0.7, top_p=1.0)"), so a value that is exactly the name of one of the
 * dataset's models is taken whole; any other value is a comma-separated list of names.
 */
export function modelNamesFromOption(values: readonly string[], available: readonly string[]): string[] {
	const names = values.flatMap((value) => {
		if (available.includes(value)) return [value];
		if (available.includes(value.trim())) return [value.trim()];
		return value.split(',').map((m) => m.trim()).filter(Boolean);
	});
	return [...new Set(names)];
}

/** The refusal for names the dataset has no responses from: the names looked for and the ones it has, quoted (names may hold commas). */
export function unknownModelsMessage(unknown: readonly string[], available: readonly string[]): string {
	const quoted = (names: readonly string[]) => names.map((m) => `"${m}"`).join(', ');
	const has = available.length ? `It has responses from ${quoted(available)}.` : 'It has no model responses.';
	return `The dataset has no responses from ${quoted(unknown)}. ${has} Give each model as its own --models value when a name holds a comma.`;
}
