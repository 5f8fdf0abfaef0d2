/**
 * Our own default Self-Instruct seed pool: 42 tasks written for Instruct Audit (not taken from
 * the paper's 175), one instance each, in the paper's seed format. They mix classification
 * (12) and generation tasks, with an input (28) and without (14), across everyday writing,
 * reasoning, language, coding and factual questions. Instructions avoid the filter blacklist
 * (image, graph, file, map, draw, plot, "go to", …) so the seeds themselves pass the filters.
 */

export interface SeedInstance {
	input: string;
	output: string;
}

export interface SeedTask {
	/** Stable id, "seed_task_N" as in the paper's file. */
	id: string;
	/** snake_case slug. */
	name: string;
	instruction: string;
	instances: SeedInstance[];
	isClassification: boolean;
}

type SeedRow = [name: string, isClassification: boolean, instruction: string, input: string, output: string];

const ROWS: SeedRow[] = [
	[
		'quick_breakfast',
		false,
		'Suggest a quick, healthy breakfast for someone who has only ten minutes in the morning.',
		'',
		'Greek yogurt topped with a handful of berries, a spoonful of oats and a drizzle of honey. It takes two minutes to assemble and gives you protein, fibre and some fruit.'
	],
	[
		'email_subject_line',
		false,
		'Write a concise subject line for the email below.',
		'Hi team, the quarterly review meeting has moved from Thursday at 10:00 to Friday at 14:00 because the conference room is being repainted. The agenda stays the same. Thanks, Priya',
		'Quarterly review moved to Friday 14:00'
	],
	[
		'review_sentiment',
		true,
		'Decide whether the sentiment of the product review is positive, negative, or neutral.',
		'The blender is loud, but it crushes ice in seconds and cleaning it takes no effort at all. I use it every day.',
		'Positive'
	],
	[
		'sms_spam',
		true,
		'Tell whether the text message is spam or not spam.',
		'Congratulations! You have been selected for a free cruise. Reply YES within 1 hour to claim your prize.',
		'Spam'
	],
	[
		'fact_or_opinion',
		true,
		'Classify the statement as a fact or an opinion.',
		'The Pacific is the largest ocean on Earth.',
		'Fact'
	],
	['prime_check', true, 'Is the given number a prime number? Answer yes or no.', '91', 'No (91 = 7 × 13).'],
	[
		'sentence_tense',
		true,
		'Identify the tense of the sentence: past, present, or future.',
		'By this time next year, we will have moved to Lisbon.',
		'Future'
	],
	[
		'which_language',
		true,
		'Say whether the sentence is written in English, French, German, or Spanish.',
		'Ich habe meinen Regenschirm im Zug vergessen.',
		'German'
	],
	[
		'formal_or_informal',
		true,
		'Label the message as formal or informal.',
		'hey!! running 10 min late, grab us a table?',
		'Informal'
	],
	[
		'true_or_false_fact',
		true,
		'Answer true or false: the Great Wall of China can be seen from the Moon with the naked eye.',
		'',
		'False'
	],
	[
		'grammar_error',
		true,
		'Does the sentence contain a grammatical error? Answer Yes or No.',
		'Neither of the twins have finished their homework.',
		'Yes'
	],
	[
		'headline_section',
		true,
		'Assign the news headline to one of these sections: Politics, Sports, Business, Science, Entertainment.',
		'Local startup raises $12 million to build cheaper electric delivery vans',
		'Business'
	],
	['translate_to_french', false, 'Translate the sentence into French.', 'The museum is closed on Mondays.', 'Le musée est fermé le lundi.'],
	[
		'one_sentence_summary',
		false,
		'Summarize the paragraph in one sentence.',
		'Honeybees communicate the location of flowers through a "waggle dance". The angle of the dance relative to the vertical shows the direction of the food relative to the sun, and the length of the waggle run tells the other bees how far away it is.',
		'Honeybees use a waggle dance whose angle and length tell other bees the direction and distance of food.'
	],
	['city_night_haiku', false, 'Write a haiku about a city at night.', '', 'Neon on wet streets\nthe last tram hums past closed shops\nwindows keep watch, lit'],
	[
		'double_recipe',
		false,
		'Double the quantities in the ingredient list.',
		'200 g flour, 1 egg, 150 ml milk, 1 pinch of salt',
		'400 g flour, 2 eggs, 300 ml milk, 2 pinches of salt'
	],
	[
		'palindrome_function',
		false,
		'Write a Python function that checks whether a string is a palindrome, ignoring case and spaces.',
		'',
		'def is_palindrome(text: str) -> bool:\n    cleaned = "".join(text.lower().split())\n    return cleaned == cleaned[::-1]'
	],
	[
		'explain_seasons',
		false,
		'Explain in simple terms why the seasons change during the year.',
		'',
		'The Earth is tilted. As it travels around the Sun, first one half and then the other leans towards the Sun. The half leaning towards it gets more direct sunlight and longer days, so it has summer, while the other half has winter.'
	],
	[
		'packing_list',
		false,
		'Make a packing list for the trip described.',
		'Three days of hiking in the mountains in October, sleeping in huts.',
		'Hiking boots, rain jacket, warm fleece, hat and gloves, two pairs of hiking socks per day, quick-dry trousers, a sleeping-bag liner for the huts, head torch, water bottle, snacks, first-aid kit, map app downloaded offline, sunscreen.'
	],
	[
		'word_problem',
		false,
		'Solve the word problem and show your reasoning briefly.',
		'A train leaves at 14:20 and travels 180 km at an average speed of 120 km/h. When does it arrive?',
		'Travel time = 180 / 120 = 1.5 hours = 1 hour 30 minutes. 14:20 + 1:30 = 15:50. The train arrives at 15:50.'
	],
	['three_synonyms', false, 'Give three synonyms for the word.', 'happy', 'cheerful, content, joyful'],
	['miles_to_km', false, 'Convert the distance from miles to kilometres.', '26.2 miles', 'About 42.2 kilometres.'],
	[
		'extract_dates',
		false,
		'List every date mentioned in the text.',
		'The contract was signed on 4 March 2019, renewed on 1 April 2021, and ends on 31 December 2024.',
		'4 March 2019; 1 April 2021; 31 December 2024'
	],
	[
		'passive_voice',
		false,
		'Rewrite the sentence in the passive voice.',
		'The storm damaged several houses near the coast.',
		'Several houses near the coast were damaged by the storm.'
	],
	[
		'interview_questions',
		false,
		'Write five questions to ask a candidate interviewing for a junior data analyst role.',
		'',
		'1. Tell me about a dataset you cleaned and what problems you found.\n2. How would you explain a median to someone without a statistics background?\n3. Which tools do you use for analysis, and why?\n4. Describe a time your analysis changed someone\'s decision.\n5. How do you check that your numbers are right before sharing them?'
	],
	[
		'decline_invitation',
		false,
		'Write a polite reply declining the invitation.',
		'Would you like to join us for a board-game evening at our place this Saturday at 7?',
		'Thank you so much for the invitation! Unfortunately I already have plans this Saturday, but I hope you all have a great evening. Please ask me again next time.'
	],
	[
		'sql_from_question',
		false,
		'Write a SQL query that answers the question for the given table.',
		'Table orders(id, customer, total, created_at). Question: What is the total amount spent by each customer in 2023?',
		"SELECT customer, SUM(total) AS spent\nFROM orders\nWHERE created_at >= '2023-01-01' AND created_at < '2024-01-01'\nGROUP BY customer;"
	],
	['kitten_names', false, 'Suggest five names for a grey kitten.', '', 'Smokey, Pebble, Ash, Misty, Earl Grey'],
	[
		'fix_js_bug',
		false,
		'Find the bug in the JavaScript function and give the corrected code.',
		'function average(xs) { let sum = 0; for (let i = 0; i <= xs.length; i++) sum += xs[i]; return sum / xs.length; }',
		'The loop runs one step too far (i <= xs.length reads xs[xs.length], which is undefined, so the sum becomes NaN). Corrected:\nfunction average(xs) { let sum = 0; for (let i = 0; i < xs.length; i++) sum += xs[i]; return sum / xs.length; }'
	],
	['complete_analogy', false, 'Complete the analogy: book is to reading as fork is to what?', '', 'Eating'],
	[
		'pros_and_cons',
		false,
		'List two advantages and two disadvantages of the option described.',
		'Commuting to work by bicycle in a large city.',
		'Advantages: daily exercise; no fuel or parking costs.\nDisadvantages: exposure to traffic and pollution; arriving sweaty or wet in bad weather.'
	],
	[
		'article_title',
		false,
		'Suggest a title for the article excerpt.',
		'More towns are turning empty shop fronts into community repair cafés, where volunteers fix toasters, bikes and clothes for free, keeping tonnes of goods out of landfill every year.',
		'Fixing the High Street: How Repair Cafés Are Filling Empty Shops'
	],
	['time_zones', false, 'What time is it in Tokyo when it is 9 am in Paris in winter?', '', '5 pm (Tokyo is 8 hours ahead of Paris in winter).'],
	[
		'monthly_budget',
		false,
		'Give a simple monthly budget split for someone earning 3,000 dollars after tax.',
		'',
		'Housing $1,000; food $450; transport $250; utilities and phone $200; savings $450; debt repayment $250; health $150; personal and fun $250.'
	],
	['sort_numbers', false, 'Sort the list of numbers in ascending order.', '42, 7, 19, 3, 88, 19', '3, 7, 19, 19, 42, 88'],
	['shadow_riddle', false, 'Write a riddle whose answer is "a shadow".', '', 'I follow you all day but vanish at night; the brighter the sun, the sharper I am. What am I?'],
	['boiling_point', false, 'What is the boiling point of water at sea level in degrees Fahrenheit?', '', '212 °F'],
	[
		'keywords',
		false,
		'Extract the three most important keywords from the text.',
		'Regular stretching improves flexibility, reduces the risk of injury, and can ease back pain caused by long hours of sitting.',
		'stretching, flexibility, back pain'
	],
	[
		'barista_dialogue',
		false,
		'Write a short dialogue between a customer and a barista about a forgotten order.',
		'',
		'Customer: Hi, I ordered a flat white about fifteen minutes ago and it hasn\'t come out.\nBarista: I\'m so sorry, it looks like the ticket slipped behind the machine. I\'ll make it right now.\nCustomer: No problem, thanks.\nBarista: Here you go, and the pastry is on us for the wait.'
	],
	[
		'product_age_group',
		true,
		'Based on the product description, is it meant for children, teenagers, or adults?',
		'A 1,000-piece jigsaw of a Renaissance painting with a poster-size reference sheet and a sorting tray.',
		'Adults'
	],
	['exam_encouragement', false, 'Write a one-sentence encouragement for a student before an exam.', '', 'You have prepared for this, so trust what you know, take it one question at a time, and breathe.'],
	['sarcasm_detection', true, 'Is the sentence sarcastic? Answer Yes or No.', 'Oh great, another Monday meeting that could have been an email.', 'Yes']
];

export const DEFAULT_SEED_TASKS: readonly SeedTask[] = Object.freeze(
	ROWS.map(([name, isClassification, instruction, input, output], i) => ({
		id: `seed_task_${i}`,
		name,
		instruction,
		instances: [{ input, output }],
		isClassification
	}))
);
