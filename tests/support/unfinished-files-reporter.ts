/**
 * When a test process dies (vitest only says "Worker exited unexpectedly"), names what it was
 * running: the test files and tests that never finished, and the gist of any diagnostic report
 * Node wrote on a fatal error (`--report-on-fatalerror`, see vite.config.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export const FATAL_REPORT_DIR = path.join(process.env.TMPDIR ?? '/tmp', 'instruct-audit-test-fatal-reports');

interface NodeReport {
	header?: { event?: string; trigger?: string; commandLine?: string[] };
	javascriptStack?: { message?: string; stack?: string[] };
	nativeStack?: { symbol?: string }[];
}

export default class UnfinishedFilesReporter implements Reporter {
	private readonly started = Date.now();

	onInit(): void {
		// Node writes no report into a folder that does not exist.
		fs.mkdirSync(FATAL_REPORT_DIR, { recursive: true });
	}

	onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
		const lines: string[] = [];
		for (const m of testModules) {
			const unfinished = [...m.children.allTests()].filter((t) => t.result().state === 'pending');
			const state = m.state();
			if (state === 'pending' || state === 'queued' || unfinished.length) {
				lines.push(`Unfinished test file (${state}): ${path.relative(process.cwd(), m.moduleId)}`);
				for (const t of unfinished.slice(0, 5)) lines.push(`  not finished: ${t.fullName}`);
			}
		}
		for (const report of this.fatalReports()) {
			lines.push(`Node fatal error report: ${report.header?.event ?? '?'} (${report.header?.trigger ?? '?'})`);
			if (report.javascriptStack?.message) lines.push(`  ${report.javascriptStack.message}`);
			for (const frame of (report.javascriptStack?.stack ?? []).slice(0, 8)) lines.push(`  ${frame}`);
			// The native frames below the report's own machinery: where the process failed.
			const native = (report.nativeStack ?? []).map((f) => f.symbol?.trim() ?? '').filter((s) => s && !s.startsWith('[') && !/TriggerNodeReport|OnFatalError|OOMErrorHandler|ReportOOMFailure|PrintCaptured|DumpBacktrace/.test(s));
			for (const frame of native.slice(0, 10)) lines.push(`  native: ${frame}`);
		}
		if (lines.length) process.stderr.write(`\n${lines.join('\n')}\n`);
	}

	private fatalReports(): NodeReport[] {
		try {
			return fs
				.readdirSync(FATAL_REPORT_DIR)
				.map((f) => path.join(FATAL_REPORT_DIR, f))
				.filter((f) => f.endsWith('.json') && fs.statSync(f).mtimeMs >= this.started)
				.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as NodeReport);
		} catch {
			return [];
		}
	}
}
