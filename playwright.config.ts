import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

// Browser tests run against the built app (`npm run build` first) with a fresh database file.
const port = Number(process.env.E2E_PORT ?? 4173);
// Workers re-read this file in their own processes: the first one names the folder for all.
process.env.E2E_DATA_DIR ??= path.join(os.tmpdir(), `instruct-audit-e2e-${process.pid}`);
const dataDir = process.env.E2E_DATA_DIR;

export default defineConfig({
	testDir: 'tests/e2e',
	// One app, one database: the specs build on each other's state in file order.
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	globalSetup: './tests/e2e/global-setup.ts',
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		browserName: 'chromium',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run']
		},
		trace: 'off',
		screenshot: 'only-on-failure'
	},
	webServer: {
		command: `node tests/e2e/serve.js`,
		url: `http://127.0.0.1:${port}/healthz`,
		reuseExistingServer: false,
		timeout: 60_000,
		stdout: 'pipe',
		stderr: 'pipe',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			DATABASE_PATH: path.join(dataDir, 'e2e.db'),
			E2E_DATA_DIR: dataDir
		}
	}
});
