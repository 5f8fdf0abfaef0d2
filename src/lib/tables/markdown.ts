import { checkShape, type Align, type PaperTable } from './table';

/**
 * `<`, `>` and `&` backslash-escaped: many Markdown viewers (pandoc, Jupyter, editors' previews)
 * pass raw HTML through, and a model name or audit name comes from imported, untrusted text.
 */
function escapeMarkdownHtml(text: string): string {
	return text.replace(/[<>&]/g, '\\$&');
}

/** A cell's text in a GitHub-flavoured Markdown table: pipes, backslashes and HTML characters escaped, one line. */
export function escapeMarkdownCell(text: string): string {
	return escapeMarkdownHtml(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').trim());
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
	if (table.notes?.length) lines.push('', escapeMarkdownHtml(table.notes.join(' ')));
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
