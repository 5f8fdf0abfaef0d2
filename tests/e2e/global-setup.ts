import fs from 'node:fs';

export default function globalSetup(): void {
	if (!fs.existsSync('build/index.js')) {
		throw new Error('Browser tests need the built app: run `npm run build` first (npm run test:e2e does).');
	}
}
