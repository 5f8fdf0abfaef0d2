/** Number formats of the analyses pages (— for a missing value). */
import { formatNumber } from '$lib/text/words';

export const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '—' : formatNumber(v, digits));
export const pctOf = (part: number, whole: number, digits = 1): string => (whole > 0 ? `${((100 * part) / whole).toFixed(digits)}%` : '—');
export const pctShare = (share: number | null | undefined, digits = 1): string => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)}%`);
