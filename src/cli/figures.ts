/** `--figures <dir>`: the same figure files the pages' download links give, written to a folder. */
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './cli-error';
import { printJson } from './output';
import { makeFolder, requireWritableFile } from './files';
import type { ReportFigure } from '$lib/reports/figures';
import { figurePng, figureSvg, pngSize } from '$lib/server/reports/figures';

/** One figure written by --figures: its id, the two files and the PNG's size in pixels. */
export interface WrittenFigure {
	figure: string;
	svg: string;
	png: string;
	width: number;
	height: number;
}

export interface WriteFiguresOptions {
	/** Overwrite files of the same names, and remove this prefix's figures this run does not write. */
	force: boolean;
	/**
	 * Every figure id this prefix can have (the set varies with the data: no seeds, no ROUGE-L
	 * figure). Files of those ids this run does not write are an earlier run's: without `force`
	 * they are refused, with it removed, so the folder never mixes two runs' figures unsaid.
	 */
	possibleIds?: readonly string[];
}

/**
 * Writes each figure as `<dir>/<prefix>-<id>.svg` and `.png`; what was written, in order. Like
 * `export --out`, an existing file is refused unless `force` (checked for every file before any is written).
 */
export function writeFigures(figures: readonly ReportFigure[], dir: string, prefix: string, options: WriteFiguresOptions): WrittenFigure[] {
	if (!dir) throw new CliError('--figures needs a folder.', 2);
	makeFolder(dir);
	const base = (id: string) => path.join(dir, `${prefix}-${id}`);
	const files = figures.flatMap((f) => [`${base(f.id)}.svg`, `${base(f.id)}.png`]);
	const writing = new Set(figures.map((f) => f.id));
	const stale = (options.possibleIds ?? [])
		.filter((id) => !writing.has(id))
		.flatMap((id) => [`${base(id)}.svg`, `${base(id)}.png`])
		.filter((file) => fs.existsSync(file));
	if (!options.force && stale.length)
		throw new CliError(
			`${stale[0]} exists from an earlier run that wrote figures this one does not (${stale.length === 1 ? 'it' : `${stale.length} files`} would be left beside the new ones); add --force to overwrite the figures and remove ${stale.length === 1 ? 'it' : 'them'}.`,
			1,
			{ file: stale[0] },
			undefined,
			'exists'
		);
	for (const file of files) requireWritableFile(file, options.force);
	for (const file of stale) fs.rmSync(file);
	const written: WrittenFigure[] = [];
	for (const figure of figures) {
		const svg = figureSvg(figure);
		const png = figurePng(svg);
		const b = base(figure.id);
		fs.writeFileSync(`${b}.svg`, svg);
		fs.writeFileSync(`${b}.png`, png);
		written.push({ figure: figure.id, svg: `${b}.svg`, png: `${b}.png`, ...pngSize(png) });
	}
	return written;
}

/** Writes the figures and lists them: as `{"figures": […]}` with --json, else one file a line. */
export function writeFigureFiles(figures: readonly ReportFigure[], dir: string, prefix: string, json: boolean, options: WriteFiguresOptions): void {
	const written = writeFigures(figures, dir, prefix, options);
	if (json) return printJson({ figures: written });
	printWrittenFigures(written);
}

export function printWrittenFigures(written: readonly WrittenFigure[]): void {
	if (!written.length) console.log('No figure to write.');
	for (const w of written) console.log(`${w.svg}\n${w.png} (${w.width} × ${w.height} px)`);
}
