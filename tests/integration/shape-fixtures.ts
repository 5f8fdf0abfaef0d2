/** Small files of the richer shapes, for the import, export and audit tests. */

export function superniTask(n: number, instances = [{ id: `task${n}-0`, input: 'kiwi', output: ['k'] }, { id: `task${n}-1`, input: 'Owl', output: ['O', 'o'] }]) {
	return {
		Contributors: ['X'],
		Source: ['made up'],
		URL: ['https://example.org'],
		Categories: ['Word Analysis'],
		Reasoning: [],
		Definition: [`Answer with the first letter (${n}).`],
		Input_language: ['English'],
		Output_language: ['English'],
		Instruction_language: ['English'],
		Domains: ['Dictionary'],
		'Positive Examples': [{ input: 'apple', output: 'a', explanation: 'a starts apple.' }],
		'Negative Examples': [{ input: 'pear', output: 'e', explanation: 'e is second.' }],
		Instances: instances,
		'Instance License': ['MIT']
	};
}

export const sharegptRows = [
	{
		id: 'c1',
		conversations: [
			{ from: 'human', value: 'Hi <b>there</b>' },
			{ from: 'gpt', value: 'Hello' },
			{ from: 'human', value: 'Name a fruit' },
			{ from: 'gpt', value: 'Kiwi' }
		]
	},
	{
		id: 'c2',
		conversations: [
			{ from: 'system', value: 'Be brief.' },
			{ from: 'human', value: 'Count to two' },
			{ from: 'gpt', value: '1, 2' },
			{ from: 'gpt', value: 'Done.' }
		]
	}
];

export const comparisonRows = [
	{ user_input: 'Give a tip.', completion_a: 'Sleep well.', completion_b: 'Eat.' },
	{ user_input: 'Name a colour.', completion_a: 'Blue.', completion_b: 'Table.' }
];

