/**
 * The instance rules of Self-Instruct's prepare_for_finetuning.py, on one task's instances:
 * first each instance alone (input identical to output, empty output, input or output ending
 * in ":"), then among the valid ones: one non-empty input with different outputs drops all of
 * them; exact duplicates go; at most `max` are kept. Inputs and outputs are compared stripped,
 * as the reference strips them when it parses them.
 */
import type { FilterConfig, InstanceRule } from './config';
import { type Verdict, quote } from './instruction-rules';
import { pyStrip } from './python-text';

export interface FilterInstance {
	id: string | number;
	input: string;
	output: string;
}

export interface InstanceVerdict extends Verdict<InstanceRule> {
	id: string | number;
	/** A rejection that is not the filters' (see StandingRejection) and stands; `rule` is then its rule. */
	standing?: boolean;
}

/**
 * `random`: when given, the instances kept under the per-task limit are a random sample (the
 * reference samples them: `random.sample(instances, 5)`); without it, the first ones.
 */
export function checkInstances(
	instances: readonly FilterInstance[],
	config: FilterConfig['instance'],
	random?: () => number
): InstanceVerdict[] {
	const verdicts: InstanceVerdict[] = instances.map((i) => ({ id: i.id, keep: true }));
	const stripped = instances.map((i) => ({ input: pyStrip(i.input), output: pyStrip(i.output) }));

	stripped.forEach(({ input, output }, k) => {
		// The reference tests input == output first, but an empty output is named as such (the
		// funnel's "Empty output" would else miss every instance whose input is empty too); both
		// rules drop it, so only the attribution differs.
		if (config.emptyOutput.enabled && output === '') {
			verdicts[k] = { id: instances[k].id, keep: false, rule: 'emptyOutput', detail: input === '' ? 'input and output are empty' : 'output is empty' };
		} else if (config.inputEqualsOutput.enabled && input === output) {
			verdicts[k] = { id: instances[k].id, keep: false, rule: 'inputEqualsOutput', detail: `both are ${quote(input)}` };
		} else if (config.endsWithColon.enabled && (input.endsWith(':') || output.endsWith(':'))) {
			const which = input.endsWith(':') ? 'input' : 'output';
			verdicts[k] = { id: instances[k].id, keep: false, rule: 'endsWithColon', detail: `${which} ends with ":" (cut off?)` };
		}
	});

	const valid = () => verdicts.flatMap((v, k) => (v.keep ? [k] : []));

	if (config.conflictingOutputs.enabled) {
		const outputByInput = new Map<string, string>();
		let conflict: string | null = null;
		for (const k of valid()) {
			const { input, output } = stripped[k];
			if (input === '') continue;
			const seen = outputByInput.get(input);
			if (seen === undefined) outputByInput.set(input, output);
			else if (seen !== output) {
				conflict = input;
				break;
			}
		}
		if (conflict !== null) {
			const detail = `input ${quote(conflict)} has different outputs`;
			for (const k of valid()) verdicts[k] = { id: instances[k].id, keep: false, rule: 'conflictingOutputs', detail };
		}
	}

	if (config.duplicate.enabled) {
		const firstOf = new Map<string, number>();
		for (const k of valid()) {
			const key = JSON.stringify([stripped[k].input, stripped[k].output]);
			const first = firstOf.get(key);
			if (first === undefined) firstOf.set(key, k);
			else verdicts[k] = { id: instances[k].id, keep: false, rule: 'duplicate', detail: `same as instance ${instances[first].id}` };
		}
	}

	if (config.maxPerTask.enabled) {
		const kept = valid();
		if (kept.length > config.maxPerTask.max) {
			const max = config.maxPerTask.max;
			let chosen: Set<number>;
			if (random) {
				// Fisher–Yates on the valid positions, the first `max` of the shuffle are kept.
				const order = kept.slice();
				for (let i = order.length - 1; i > 0; i--) {
					const j = Math.floor(random() * (i + 1));
					[order[i], order[j]] = [order[j], order[i]];
				}
				chosen = new Set(order.slice(0, max));
			} else chosen = new Set(kept.slice(0, max));
			const how = random ? `${max} chosen at random are kept` : `only the first ${max} are kept`;
			for (const k of kept) if (!chosen.has(k)) verdicts[k] = { id: instances[k].id, keep: false, rule: 'maxPerTask', detail: how };
		}
	}
	return verdicts;
}
