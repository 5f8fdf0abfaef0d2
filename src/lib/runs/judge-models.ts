/**
 * How a judge run's model is named wherever it is shown (run page, runs list, `judge status`
 * and `list`, the report's judge line): the run's model, or — when its verdicts come from
 * several models (failed calls retried with another one) — each model with its verdicts, so
 * no reader credits the whole run to the last model. Pure.
 */

/** A model's verdicts in a run (runs/judge/models.ts). */
export interface ModelVerdicts {
	model: string;
	verdicts: number;
}

export interface JudgeModelsText {
	/** Whether the verdicts come from more than one model. */
	mixed: boolean;
	/** For a sentence: "big", or "fake (11 verdicts) and big (13 verdicts)". */
	text: string;
	/** For a table cell or a picker: "big", or "fake + big". */
	short: string;
}

const count = (n: number) => `${n} verdict${n === 1 ? '' : 's'}`;

/** `current`: the model the run's calls go to now; `models`: its verdicts by model, most first. */
export function judgeModelsText(current: string, models: readonly ModelVerdicts[]): JudgeModelsText {
	if (models.length === 0 || (models.length === 1 && models[0].model === current)) return { mixed: false, text: current, short: current };
	const named = models.map((m) => `${m.model} (${count(m.verdicts)})`);
	const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
	// Verdicts all from another model than the one the calls now go to (retried, not resumed yet).
	const next = models.some((m) => m.model === current) ? '' : `; calls now go to ${current}`;
	return { mixed: models.length > 1, text: `${list}${next}`, short: models.map((m) => m.model).join(' + ') };
}
