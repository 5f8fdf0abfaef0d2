/**
 * Our own default seed sets for Unnatural Instructions core generation: 5 sets of 3
 * demonstrations (15 examples written for Instruct Audit; the paper also uses 5 × 3 hand-written
 * ones). Each has an instruction, an input and constraints on the output space ("None" when
 * the output is free-form). Sets mix classification, extraction, rewriting and generation.
 */

export interface UnnaturalDemonstration {
	instruction: string;
	input: string;
	/** Describes the output space, or "None". */
	constraints: string;
}

export type UnnaturalSeedSet = readonly [UnnaturalDemonstration, UnnaturalDemonstration, UnnaturalDemonstration];

/** The paper's core prompt shows 3 demonstrations and asks for a 4th: every seed set has exactly 3. */
export const DEMONSTRATIONS_PER_SEED_SET = 3;

export const DEFAULT_UNNATURAL_SEED_SETS: readonly UnnaturalSeedSet[] = [
	[
		{
			instruction:
				'You will be given a sentence in which one word is written in capital letters. Replace that word with its antonym and write out the new sentence.',
			input: 'The soup was HOT when it reached the table.',
			constraints: 'The output must be the input sentence with only the capitalised word changed.'
		},
		{
			instruction: 'Given a list of ingredients, decide whether the dish can be eaten by a vegetarian.',
			input: 'rice, black beans, onion, chicken stock, cumin',
			constraints: "The output should be 'Yes' or 'No'."
		},
		{
			instruction: 'Read the short story and write one question that can be answered using only information in the story.',
			input: 'Mara planted tomatoes in April. By July the plants were taller than she was, but a summer storm broke half of them.',
			constraints: 'None.'
		}
	],
	[
		{
			instruction: 'You are given two dates. Compute how many days lie between them.',
			input: 'March 3, 2021 and March 17, 2021',
			constraints: 'The output should be a whole number.'
		},
		{
			instruction: 'Rewrite the customer complaint so that it sounds calm and polite, keeping every fact it mentions.',
			input: 'This is the THIRD time my package is late!!! Fix it now or I am done with your shop.',
			constraints: 'None.'
		},
		{
			instruction: 'Classify the question by the type of answer it expects.',
			input: 'Where were the first modern Olympic Games held?',
			constraints: 'The output should be one of: person, location, date, number, other.'
		}
	],
	[
		{
			instruction:
				'Given a paragraph and a claim, say whether the paragraph supports the claim, contradicts it, or does not mention it.',
			input: 'Paragraph: The library opens at 9 am on weekdays and at noon on Saturdays. Claim: The library opens at 9 am on Saturdays.',
			constraints: "The output should be 'supports', 'contradicts' or 'not mentioned'."
		},
		{
			instruction: 'Turn the numbered steps into a single paragraph of instructions.',
			input: '1. Boil a large pot of water. 2. Add salt and the pasta. 3. Cook for ten minutes. 4. Drain and serve.',
			constraints: 'None.'
		},
		{
			instruction: 'Find all words in the sentence that begin with a vowel and list them in the order they appear.',
			input: 'An old owl sat under every tree in the autumn wind.',
			constraints: 'The output should be a comma-separated list of words taken from the sentence.'
		}
	],
	[
		{
			instruction: 'You are given a calculation written out in words. Write it using digits and mathematical symbols.',
			input: 'seven plus twelve, all divided by three',
			constraints: 'The output should be a mathematical expression.'
		},
		{
			instruction: 'Given the start of a conversation, write the line the second speaker would most likely say next.',
			input: 'A: Did you remember to book a table for tonight? B: Oh no, I completely forgot. A: Then where are we going to eat?',
			constraints: 'The output should be a single line spoken by B.'
		},
		{
			instruction: 'Decide whether the two sentences describe the same event.',
			input: 'Sentence 1: The mayor opened the new bridge on Monday. Sentence 2: On Monday the new bridge was inaugurated by the mayor.',
			constraints: "The output should be 'same' or 'different'."
		}
	],
	[
		{
			instruction: 'Given a word that has more than one meaning, write a sentence that uses it twice, with two different meanings.',
			input: 'bark',
			constraints: 'The output should be one sentence containing the given word at least twice.'
		},
		{
			instruction: 'Name the country whose capital city is given.',
			input: 'Canberra',
			constraints: 'The output should be the name of a country.'
		},
		{
			instruction: 'You are given a product title from an online shop. Predict the category the product belongs to.',
			input: 'Stainless steel 12-cup programmable coffee maker with a glass carafe',
			constraints: 'The output should be one of: kitchen, electronics, clothing, toys, garden.'
		}
	]
];
