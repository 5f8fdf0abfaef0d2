/**
 * Splits untrusted text for display: fenced code blocks (``` or ~~~) and text that looks like
 * code are shown in monospace, the rest as prose; nothing is removed, so the reviewer sees every
 * character (the fences too). Rendering stays text-only: this returns strings, never markup.
 */

export interface TextSegment {
	text: string;
	code: boolean;
}

const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;

export function segmentText(text: string): TextSegment[] {
	if (!text) return [];
	const lines = text.split('\n');
	const segments: TextSegment[] = [];
	let buffer: string[] = [];
	let fence: string | null = null;
	const flush = (code: boolean) => {
		if (buffer.length) segments.push({ text: buffer.join('\n'), code });
		buffer = [];
	};
	for (const line of lines) {
		const match = FENCE.exec(line);
		if (fence === null && match) {
			flush(false);
			fence = match[1];
			buffer.push(line);
		} else if (fence !== null && match && match[1][0] === fence[0] && match[1].length >= fence.length && line.trim() === match[1]) {
			buffer.push(line);
			flush(true);
			fence = null;
		} else buffer.push(line);
	}
	flush(fence !== null);
	if (segments.length === 1 && !segments[0].code && looksLikeCode(segments[0].text)) return [{ text: segments[0].text, code: true }];
	return segments;
}

const CODE_LINE = /(^(\t| {2,})\S)|([;{}]\s*$)|(^\s*(def|class|function|import|from|return|for|while|if|#include|public|private|SELECT|const|let|var)\b)|(=>)|(^\s*<\/?[a-z][\w-]*[\s>])/;

/** Three or more lines, at least half of them shaped like code. */
export function looksLikeCode(text: string): boolean {
	const lines = text.split('\n').filter((l) => l.trim().length > 0);
	if (lines.length < 3) return false;
	const codeLike = lines.filter((l) => CODE_LINE.test(l)).length;
	return codeLike / lines.length >= 0.5;
}

/** Above either limit a text is shown folded (about a screenful of lines at the review width). */
export const FOLD_CHARACTERS = 1200;
export const FOLD_LINES = 16;

/** How long a text is, in the reviewer's terms, and whether to show it folded at first. */
export function textSize(text: string): { lines: number; words: number; long: boolean } {
	const lines = text ? text.split('\n').length : 0;
	const words = text.split(/\s+/).filter(Boolean).length;
	return { lines, words, long: text.length > FOLD_CHARACTERS || lines > FOLD_LINES };
}
