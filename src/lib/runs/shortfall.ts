/**
 * The one wording of "a generation run stopped short of its target", for every pipeline
 * (Self-Instruct, Unnatural, Alpaca): how many calls gave how many usable candidates, and the
 * ones held back by a failed call, which come back once the call is retried and answered. Pure.
 */
export interface Shortfall {
	/** Generation calls made, e.g. 2. */
	calls: number;
	/** What one call is, e.g. "instruction-generation call". */
	call: string;
	/** Usable candidates kept (what the target counts). */
	kept: number;
	/** What a candidate is, singular and plural, e.g. ["usable instruction", "usable instructions"]. */
	unit: readonly [string, string];
	target: number;
	/** The run's limit of calls. */
	limit: number;
	/** Accepted candidates held back until their failed calls are retried (not in kept). */
	heldBack: number;
	/** Advice, a sentence, or none. */
	advice?: string;
}

export function shortfallMessage(s: Shortfall): string {
	const calls = `${s.calls} ${s.call}${s.calls === 1 ? '' : 's'}`;
	const kept = `${s.kept} ${s.kept === 1 ? s.unit[0] : s.unit[1]}`;
	const held =
		s.heldBack > 0 ? `${s.heldBack} more held back until ${s.heldBack === 1 ? 'its failed call is' : 'their failed calls are'} retried; ` : '';
	return `Stopped short of the target: ${calls} gave ${kept} of the ${s.target} wanted (${held}limit ${s.limit} calls).${s.advice ? ` ${s.advice}` : ''}`;
}
