/**
 * The near-duplicate page's threshold as typed in its URL: a ROUGE-L F written as a decimal
 * ("0.7", ".85"), at least MIN_NEAR_DUPLICATE_THRESHOLD and below 1 — pairs are those scoring
 * above it, and no pair scores above 1. Other spellings Number() would take ("0x1", "1e-1") are
 * refused alike, so what is accepted is what the field says.
 */
export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.7;
/** Below this nearly every pair of instructions is "similar": the groups would be the dataset. */
export const MIN_NEAR_DUPLICATE_THRESHOLD = 0.3;

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * The threshold, or the default with a message saying what is wrong with the one given (never a
 * silent default). A blank one is "none given" where a form sends its empty field (the page's
 * URL); `blank: 'refused'` where only a value typed on purpose can be blank (`--threshold ""`).
 */
export function parseNearDuplicateThreshold(raw: string | null, { blank = 'default' }: { blank?: 'default' | 'refused' } = {}): { value: number; error?: string } {
	const text = (raw ?? '').trim();
	const range = `a ROUGE-L F from ${MIN_NEAR_DUPLICATE_THRESHOLD} up to (not including) 1, e.g. ${DEFAULT_NEAR_DUPLICATE_THRESHOLD}`;
	if (text === '') return raw === null || blank === 'default' ? { value: DEFAULT_NEAR_DUPLICATE_THRESHOLD } : { value: DEFAULT_NEAR_DUPLICATE_THRESHOLD, error: `The threshold is empty; give ${range}.` };
	if (!DECIMAL.test(text)) return { value: DEFAULT_NEAR_DUPLICATE_THRESHOLD, error: `The threshold "${raw}" is not a number written as a decimal; give ${range}.` };
	const value = Number(text);
	if (value < MIN_NEAR_DUPLICATE_THRESHOLD || value >= 1) {
		const why = value >= 1 ? ' (no two instructions score above 1)' : '';
		return { value: DEFAULT_NEAR_DUPLICATE_THRESHOLD, error: `The threshold ${text} is out of range${why}: give ${range}.` };
	}
	return { value };
}
