/** `--figures <dir>`: the same figure files the pages' download links give, written to a folder. */
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './cli-error';
import { printJson } from './output';
import { makeFolder } from './files';
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

/** Writes each figure as `<dir>/<prefix>-<id>.svg` and `.png`; what was written, in order. */
export function writeFigures(figures: readonly ReportFigure[], dir: string, prefix: string): WrittenFigure[] {
	if (!dir) throw new CliError('--figures needs a folder.', 2);
	makeFolder(dir);
	const written: WrittenFigure[] = [];
	for (const figure of figures) {
		const svg = figureSvg(figure);
		const png = figurePng(svg);
		const base = path.join(dir, `${prefix}-${figure.id}`);
		fs.writeFileSync(`${base}.svg`, svg);
		fs.writeFileSync(`${base}.png`, png);
		written.push({ figure: figure.id, svg: `${base}.svg`, png: `${base}.png`, ...pngSize(png) });
	}
	return written;
}

/** Writes the figures and lists them: as `{"figures": […]}` with --json, else one file a line. */
export function writeFigureFiles(figures: readonly ReportFigure[], dir: string, prefix: string, json: boolean): void {
	const written = writeFigures(figures, dir, prefix);
	if (json) return printJson({ figures: written });
	printWrittenFigures(written);
}

export function printWrittenFigures(written: readonly WrittenFigure[]): void {
	if (!written.length) console.log('No figure to write.');
	for (const w of written) console.log(`${w.svg}\n${w.png} (${w.width} × ${w.height} px)`);
}
