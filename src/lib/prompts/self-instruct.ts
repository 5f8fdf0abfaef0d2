/**
 * Self-Instruct prompts (Wang et al., 2022): default templates in our own words, built to the
 * structure the paper describes, and parsers for what a model writes back.
 *
 * Steps: instruction generation → classification identification → instance generation
 * (input-first for most tasks, output-first for classification tasks).
 */
import { renderTemplate, type PlaceholderSpec } from './template';

/** One line: whitespace runs (newlines too) become one space. */
export function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

// ───────────────────────── 1. Instruction generation ─────────────────────────

export const INSTRUCTION_GENERATION_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instructions', required: true, description: 'the example tasks as a numbered list, "1. …" to "8. …"' },
	{ name: 'next_number', required: true, description: 'the number the model continues with, e.g. 9' }
];

/**
 * A one-line header, the shots as a numbered list, and the next number for the model to
 * continue (the paper's prompt shape; the wording is ours).
 */
export const INSTRUCTION_GENERATION_TEMPLATE = `Brainstorm a numbered list of diverse tasks that a person could ask a capable assistant to do:
{{instructions}}
{{next_number}}.`;

/**
 * The numbered list of shots. Each instruction is put on one line and loses a trailing colon,
 * as the reference code does, so every item reads as a complete task.
 */
export function formatInstructionList(instructions: readonly string[]): string {
	return instructions.map((instruction, i) => `${i + 1}. ${oneLine(instruction).replace(/:+$/, '')}`).join('\n');
}

export function buildInstructionGenerationPrompt(
	shots: readonly string[],
	template: string = INSTRUCTION_GENERATION_TEMPLATE
): string {
	return renderTemplate(
		template,
		{ instructions: formatInstructionList(shots), next_number: String(shots.length + 1) },
		INSTRUCTION_GENERATION_PLACEHOLDERS
	);
}

export { parseInstructionList, type ParsedInstructionList } from './instruction-list';

// ───────────────────── 2. Classification identification ─────────────────────

export const CLASSIFICATION_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'task', required: true, description: 'the instruction to judge' }
];

/** Our own demonstrations: a task, and whether its answer comes from a fixed set of labels. */
export const CLASSIFICATION_DEMONSTRATIONS: ReadonlyArray<{ task: string; isClassification: boolean }> = [
	{ task: 'Write a short poem about rain on a tin roof.', isClassification: false },
	{ task: 'Given a product review, tell whether the reviewer would recommend the product.', isClassification: true },
	{ task: 'Summarize the paragraph in one sentence.', isClassification: false },
	{ task: 'Label the email as spam or not spam.', isClassification: true },
	{ task: 'Translate the sentence into Spanish.', isClassification: false },
	{ task: 'Suggest three names for a new coffee shop.', isClassification: false },
	{ task: 'Decide whether the two sentences mean the same thing.', isClassification: true },
	{ task: 'Explain why the sky looks blue during the day.', isClassification: false },
	{ task: 'Tell whether the given number is prime.', isClassification: true },
	{ task: 'Rewrite the sentence in the passive voice.', isClassification: false },
	{ task: 'Find the largest number in the list.', isClassification: false },
	{ task: 'Classify the tense of the sentence as past, present, or future.', isClassification: true },
	{ task: 'List the steps to change a flat bicycle tyre.', isClassification: false },
	{ task: 'Say which emotion the tweet expresses: joy, anger, sadness, fear, or surprise.', isClassification: true },
	{ task: 'Answer the trivia question.', isClassification: false },
	{ task: 'Extract all the dates mentioned in the text.', isClassification: false },
	{ task: 'Check whether the SQL query contains a syntax error.', isClassification: true },
	{ task: 'Give a title to the news article.', isClassification: false },
	{ task: 'Decide if the statement is a fact or an opinion.', isClassification: true },
	{ task: 'Convert the recipe quantities from cups to grams.', isClassification: false },
	{ task: 'Which of the four answer options (A, B, C or D) is correct for the science question?', isClassification: true }
];

export const CLASSIFICATION_TEMPLATE = `For each task, decide whether it is a classification task: one whose correct answer is always picked from a small, fixed set of labels (such as yes/no, positive/negative, or a few named categories). Answer Yes or No.

${CLASSIFICATION_DEMONSTRATIONS.map((d) => `Task: ${d.task}\nClassification: ${d.isClassification ? 'Yes' : 'No'}`).join('\n\n')}

Task: {{task}}
Classification:`;

export function buildClassificationPrompt(instruction: string, template: string = CLASSIFICATION_TEMPLATE): string {
	return renderTemplate(template, { task: oneLine(instruction) }, CLASSIFICATION_PLACEHOLDERS);
}

/** "Yes" → true, "No" → false, anything else → null (unknown). Case, spaces, punctuation ignored. */
export function parseClassificationAnswer(text: string): boolean | null {
	const first = /[a-z]+/i.exec(text)?.[0]?.toLowerCase();
	if (first === 'yes') return true;
	if (first === 'no') return false;
	return null;
}

// ──────────────────────────── 3. Instance generation ────────────────────────────

export const INSTANCE_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'task', required: true, description: 'the instruction to write instances for' }
];

/**
 * Input-first (tasks that are not classification): demonstrations of a task followed by
 * numbered examples, each an input then its output; tasks that need no input show the
 * output alone.
 */
export const INSTANCE_INPUT_FIRST_TEMPLATE = `For each task, write up to five examples. Each example gives an input and the correct output for it. If the task needs no input, write only the output.

Task: Convert a temperature from degrees Celsius to degrees Fahrenheit.
Example 1
Input: 25 °C
Output: 77 °F
Example 2
Input: -10 °C
Output: 14 °F

Task: Suggest a name for a small neighbourhood bakery.
Example 1
Output: The Warm Crust
Example 2
Output: Morning Loaf

Task: Rewrite the sentence so that it uses the passive voice.
Example 1
Input: The committee approved the new budget.
Output: The new budget was approved by the committee.

Task: Give three tips for staying focused while working from home.
Example 1
Output: 1. Keep a workspace that is only for work. 2. Plan the day in blocks with short breaks. 3. Silence notifications you do not need.

Task: Find the longest word in the sentence.
Example 1
Input: Elephants rarely forget familiar places.
Output: Elephants
Example 2
Input: We are going to the supermarket later.
Output: supermarket

Task: Write a SQL query that answers the question for the table described.
Example 1
Input: Table employees(id, name, salary). Question: Who earns more than 50000?
Output: SELECT name FROM employees WHERE salary > 50000;

Task: {{task}}
`;

/**
 * Output-first (classification tasks): the class label comes first, then an input that belongs
 * to it, so that generated inputs are not skewed towards one label.
 */
export const INSTANCE_OUTPUT_FIRST_TEMPLATE = `For each classification task, list its possible class labels and, for each label, write an input that belongs to that label.

Task: Decide whether a movie review is positive or negative.
Class label: Positive
Input: The acting was superb and the story kept me hooked until the last scene.
Class label: Negative
Input: Two hours I will never get back; nothing in it made sense.

Task: Tell whether the number is even or odd.
Class label: Even
Input: 348
Class label: Odd
Input: 1001

Task: Classify the tense of the sentence as past, present, or future.
Class label: Past
Input: She painted the fence last weekend.
Class label: Present
Input: He works at the library.
Class label: Future
Input: They will travel to Lisbon in June.

Task: Decide whether the statement is a fact or an opinion.
Class label: Fact
Input: Water boils at 100 °C at sea level.
Class label: Opinion
Input: Summer is the best season of the year.

Task: {{task}}
`;

export function buildInstancePrompt(
	instruction: string,
	style: 'input-first' | 'output-first',
	template: string = style === 'input-first' ? INSTANCE_INPUT_FIRST_TEMPLATE : INSTANCE_OUTPUT_FIRST_TEMPLATE
): string {
	return renderTemplate(template, { task: oneLine(instruction) }, INSTANCE_PLACEHOLDERS);
}

export {
	parseInputFirstInstances,
	parseOutputFirstInstances,
	type GeneratedInstance,
	type InstanceProblem,
	type ParsedInstances
} from './instance-reply';
