import { checkShape, type Align, type PaperTable } from './table';

/**
 * Markdown's inline specials backslash-escaped, so text from imported data (a model or audit name)
 * reads as itself in cells, caption and notes alike: the backslash, emphasis (`*`, `_`), code
 * (`` ` ``), strikethrough (`~`), table pipes, raw HTML (`<`, `>`, `&`), which many viewers (pandoc,
 * Jupyter, editors' previews) pass through, and a `]` that would close a link (before `(` or `[`;
 * an interval's "[3.6%, 62.4%]" stays as written). CommonMark undoes a backslash before any ASCII
 * punctuation, so the text renders, and parses back, as the same characters.
 */
export function escapeMarkdownText(text: string): string {
	return text.replace(/[\\`*_<>&|~]|\](?=[([])/g, '\\$&');
}

/** A cell's text in a GitHub-flavoured Markdown table: escaped as above, on one line. */
export function escapeMarkdownCell(text: string): string {
	return escapeMarkdownText(text.replace(/[\r\n]+/g, ' ').trim());
}

const RULE: Record<Align, string> = { left: ':---', right: '---:', center: ':---:' };

/** The caption in bold, the table in GitHub-flavoured Markdown, then the notes as a paragraph. */
export function toMarkdown(table: PaperTable): string {
	checkShape(table);
	const row = (cells: string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
	const lines = [
		`**${escapeMarkdownCell(table.caption)}**`,
		'',
		row(table.columns.map((c) => c.heading)),
		`| ${table.columns.map((c) => RULE[c.align]).join(' | ')} |`,
		...table.rows.map(row)
	];
	if (table.notes?.length) lines.push('', escapeMarkdownText(table.notes.join(' ')));
	return lines.join('\n') + '\n';
}

/**
 * Reads the first pipe table of a Markdown text back into its heading and body cells
 * (escapes undone) — for tests and for anyone checking a pasted table.
 */
export function parseMarkdownTable(markdown: string): { headings: string[]; rows: string[][] } {
	const lines = markdown.split('\n').filter((l) => l.trimStart().startsWith('|'));
	if (lines.length < 2) throw new Error('no Markdown table found');
	const cells = (line: string) => {
		const out: string[] = [];
		let cell = '';
		const body = line.trim().replace(/^\|/, '');
		for (let i = 0; i < body.length; i++) {
			const c = body[i];
			if (c === '\\' && i + 1 < body.length) cell += body[++i];
			else if (c === '|') {
				out.push(cell.trim());
				cell = '';
			} else cell += c;
		}
		if (cell.trim() !== '') out.push(cell.trim());
		return out;
	};
	const [head, , ...body] = lines;
	return { headings: cells(head), rows: body.map(cells) };
}
