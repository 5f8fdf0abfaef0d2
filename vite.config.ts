import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { FATAL_REPORT_DIR } from './tests/support/unfinished-files-reporter';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts', 'cli/**/*.test.ts'],
		environment: 'node',
		// Vitest runs cores − 1 files at once: one on a 2-core machine. Many files wait on child
		// processes and sockets, so two at once cut the suite's wall time by about a sixth.
		maxWorkers: 2,
		globalSetup: ['tests/support/cli-bundle.ts'],
		// A test process that dies leaves a trace: Node writes a report on a fatal error, and the
		// second reporter names the files and tests that never finished.
		execArgv: ['--report-on-fatalerror', `--report-directory=${FATAL_REPORT_DIR}`],
		reporters: ['default', './tests/support/unfinished-files-reporter.ts'],
		testTimeout: 60_000,
		hookTimeout: 60_000
	}
});
