/**
 * The filter report's estimators against a known truth (issue 19): for each scenario of
 * src/lib/reports/filter-simulation.ts, 10,000 seeded audits stratified by filter verdict run
 * through filterReport; for each stratum's rate (Wilson) and each "had the rule been off"
 * stratum-weighted correctness: the bias, the coverage of the 95% intervals and their mean width.
 * Target for the stratum-weighted rates: |bias| < 0.5 points and coverage at least 93%; above 97%
 * is printed as conservative (the Wilson interval on Kish's effective size is capped at the rows
 * judged, so where stratifying helps most — homogeneous strata, large sampling fractions — the
 * interval stays as wide as an unstratified one). Exit code 1 when a target is missed.
 * FILTERS_SIM_REPLICATES tries another count.
 */
import { FILTER_SIM_SCENARIOS, simulateFilterReport } from '../src/lib/reports/filter-simulation';

const REPLICATES = Number(process.env.FILTERS_SIM_REPLICATES ?? 10_000);
const SEED = 19;
const pts = (x: number) => `${(x * 100).toFixed(2)}`;

let missed = 0;
const started = performance.now();
for (const [k, scenario] of FILTER_SIM_SCENARIOS.entries()) {
	const summary = simulateFilterReport(scenario, { replicates: REPLICATES, seed: SEED + k });
	console.log(`\n${scenario.name} — ${REPLICATES} replicates, ${Math.round(summary.confidence * 100)}% intervals`);
	console.log(`  ${'estimate'.padEnd(22)} ${'truth'.padStart(7)} ${'bias (pp)'.padStart(10)} ${'coverage'.padStart(9)} ${'width (pp)'.padStart(11)}`);
	for (const e of summary.estimates) {
		const weighted = e.target.startsWith('if ');
		const ok = Math.abs(e.bias) < 0.005 && e.coverage >= 0.93;
		if (weighted && !ok) missed++;
		const note = weighted && !ok ? '  ← misses the target' : e.coverage > 0.97 ? '  (conservative)' : '';
		console.log(
			`  ${e.target.padEnd(22)} ${pts(e.truth).padStart(7)} ${pts(e.bias).padStart(10)} ${(e.coverage * 100).toFixed(1).padStart(8)}% ${pts(e.meanWidth).padStart(11)}${note}`
		);
	}
}
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);
if (missed) {
	console.error(`${missed} stratum-weighted estimate(s) miss |bias| < 0.5 pp and coverage ≥ 93%.`);
	process.exit(1);
}
