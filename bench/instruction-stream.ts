/**
 * A stream of realistic instructions for the ROUGE-L benchmark (issue 3), calibrated on real
 * instruction text (the 5,000-record Alpaca sample in shared/datasets when it is there, else the
 * figures fitted on it once and written down below).
 *
 * Real instruction text follows Zipf's and Heaps' laws: the vocabulary keeps growing with the
 * corpus (V ≈ K·N^β distinct tokens after N tokens), half of the distinct tokens occur once,
 * and a filtered stream has almost no pairs above ROUGE-L 0.7. So an instruction here is:
 *  - a frame in the style of Alpaca's instructions ("Generate a list of {NUM} {Ns} for {NP}."),
 *    its opening verb drawn with the sample's first-word frequencies;
 *  - slots filled from open word classes (nouns, adjectives, verbs, proper names). Each class is
 *    a Pitman–Yor process (discount d, concentration θ): a new word appears with probability
 *    (θ + d·types)/(θ + draws), otherwise an old word ∝ (its count − d). That gives the
 *    power-law type growth (Heaps) and the heavy-tailed frequencies (Zipf) of real text. New
 *    words come from real English word lists first, then invented ones once a list runs out;
 *  - exactly as many rouge tokens as a length drawn from the sample's length distribution;
 *  - kept only if its ROUGE-L to every earlier one is ≤ 0.7, as real instruction data was made
 *    (Alpaca's and Self-Instruct's went through this filter: the sample has no pair above 0.7);
 *    a dropped one is replaced by another of the same length.
 * θ is fitted so that a generated stream as long as the sample ends with the sample's
 * vocabulary, and d so that it best matches the sample's Heaps exponent β and share of
 * singletons; everything else (frequency coverage, Zipf slope, rare tokens per instruction,
 * nearest-neighbour ROUGE-L) is only compared, not fitted. Then a planted share (3%) of
 * candidates are small edits of earlier ones that land above ROUGE-L 0.7.
 */
import { tokenize } from '../src/lib/rouge/tokenize';
import { ExhaustivePool } from '../src/lib/rouge/exhaustive';
import { rougeL } from '../src/lib/rouge/score';
import { NearDuplicateIndex } from '../src/lib/rouge/near-duplicate-index';
import { createRng as rng } from '../src/lib/random';

// ---------------------------------------------------------------------------------------------
// The profile: what the generator is calibrated to.

export interface InstructionProfile {
	/** Where the figures come from. */
	source: string;
	/** lengthCounts[L] = instructions of L rouge tokens. */
	lengthCounts: number[];
	/** Heaps' law fitted on the sample: distinct tokens ≈ K·N^β after N tokens. */
	heapsK: number;
	heapsBeta: number;
	/** Instructions, tokens and distinct tokens of the sample the law was fitted on. */
	instructions: number;
	tokens: number;
	distinct: number;
	/** Share of the distinct tokens that occur once. */
	singletonShare: number;
}

/**
 * Fitted once on shared/datasets/stanford_alpaca/alpaca_5000.json (5,000 instructions,
 * 50,800 tokens, 4,995 distinct); used when the sample is not beside the repository.
 */
export const BUILT_IN_PROFILE: InstructionProfile = {
	source: 'built-in (fitted on the 5,000-record Alpaca sample)',
	// prettier-ignore
	lengthCounts: [0, 0, 0, 0, 79, 153, 325, 516, 707, 644, 680, 503, 402, 297, 206, 133, 96, 71, 44, 34, 23, 21, 15, 17, 7, 3, 7, 3, 2, 1, 3, 1, 1, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
	heapsK: 7.62,
	heapsBeta: 0.6035,
	instructions: 5000,
	tokens: 50800,
	distinct: 4995,
	singletonShare: 0.482
};

/** Points (tokens so far, distinct tokens so far) after the given numbers of instructions. */
export function heapsCurve(tokenLists: readonly string[][], at: readonly number[]): [number, number][] {
	const seen = new Set<string>();
	const points: [number, number][] = [];
	let n = 0;
	let next = 0;
	for (let i = 0; i < tokenLists.length && next < at.length; i++) {
		for (const t of tokenLists[i]) {
			n++;
			seen.add(t);
		}
		if (i + 1 === at[next]) {
			points.push([n, seen.size]);
			next++;
		}
	}
	return points;
}

/** Least-squares fit of log V = log K + β·log N. */
export function fitHeaps(points: readonly [number, number][]): { K: number; beta: number } {
	const xs = points.map((p) => Math.log(p[0]));
	const ys = points.map((p) => Math.log(p[1]));
	const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
	const my = ys.reduce((a, b) => a + b, 0) / ys.length;
	let sxy = 0;
	let sxx = 0;
	for (let k = 0; k < xs.length; k++) {
		sxy += (xs[k] - mx) * (ys[k] - my);
		sxx += (xs[k] - mx) ** 2;
	}
	const beta = sxy / sxx;
	return { K: Math.exp(my - beta * mx), beta };
}

/** Instruction counts at which Heaps' law is sampled: 2%, 4%, 10%, 20%, 40%, 60%, 80%, 100%. */
function heapsCheckpoints(count: number): number[] {
	return [0.02, 0.04, 0.1, 0.2, 0.4, 0.6, 0.8, 1].map((f) => Math.max(1, Math.round(f * count)));
}

function vocabularyOf(tokenLists: readonly string[][]): { distinct: number; singletonShare: number } {
	const freq = new Map<string, number>();
	for (const t of tokenLists) for (const w of t) freq.set(w, (freq.get(w) ?? 0) + 1);
	let once = 0;
	for (const f of freq.values()) if (f === 1) once++;
	return { distinct: freq.size, singletonShare: once / freq.size };
}

/** The profile of real instructions: their length distribution and Heaps' law. */
export function fitProfile(instructions: readonly string[], source: string): InstructionProfile {
	const tokenLists = instructions.map(tokenize);
	const lengthCounts: number[] = [];
	for (const t of tokenLists) {
		while (lengthCounts.length <= t.length) lengthCounts.push(0);
		lengthCounts[t.length]++;
	}
	const { K, beta } = fitHeaps(heapsCurve(tokenLists, heapsCheckpoints(tokenLists.length)));
	return {
		source,
		lengthCounts,
		heapsK: K,
		heapsBeta: beta,
		instructions: instructions.length,
		tokens: tokenLists.reduce((a, t) => a + t.length, 0),
		...vocabularyOf(tokenLists)
	};
}

// ---------------------------------------------------------------------------------------------
// Statistics compared between the sample and a generated stream.

export interface StreamStatistics {
	instructions: number;
	tokens: number;
	meanLength: number;
	/** Length quantiles 5%, 25%, 50%, 75%, 95%, 99%. */
	lengthQuantiles: number[];
	distinct: number;
	heaps: { K: number; beta: number };
	/** Share of distinct tokens seen once. */
	singletonShare: number;
	/** Share of all tokens covered by the 1, 10, 100, 1000 most frequent types. */
	coverage: number[];
	/** Least-squares slope of log frequency on log rank, ranks 10–1000. */
	zipfSlope: number;
	/** Instructions holding a token that no other instruction has. */
	uniqueTokenShare: number;
	/** Mean number of tokens per instruction that occur in at most 5 instructions. */
	rareTokensPerInstruction: number;
	/**
	 * Nearest earlier instruction (exact ROUGE-L, every earlier one compared): quantiles 10%,
	 * 50%, 90% and the share above 0.5, 0.6, 0.7. Only when asked (it is a full scan).
	 */
	nearest?: { quantiles: number[]; above: number[] };
}

export function streamStatistics(instructions: readonly string[], nearestOf = 0): StreamStatistics {
	const tokenLists = instructions.map(tokenize);
	const freq = new Map<string, number>();
	const docFreq = new Map<string, number>();
	let tokens = 0;
	for (const t of tokenLists) {
		tokens += t.length;
		for (const w of t) freq.set(w, (freq.get(w) ?? 0) + 1);
		for (const w of new Set(t)) docFreq.set(w, (docFreq.get(w) ?? 0) + 1);
	}
	const lengths = tokenLists.map((t) => t.length).sort((a, b) => a - b);
	const quantile = (sorted: number[], p: number) => sorted[Math.floor(p * (sorted.length - 1))];
	const counts = [...freq.values()].sort((a, b) => b - a);
	const coverage = [1, 10, 100, 1000].map((k) => counts.slice(0, k).reduce((a, b) => a + b, 0) / tokens);
	const zx: number[] = [];
	const zy: number[] = [];
	for (let r = 10; r <= Math.min(1000, counts.length); r++) {
		zx.push(Math.log(r));
		zy.push(Math.log(counts[r - 1]));
	}
	const zipf = fitHeaps(zx.map((x, k) => [Math.exp(x), Math.exp(zy[k])] as [number, number]));
	let unique = 0;
	let rare = 0;
	for (const t of tokenLists) {
		if (t.some((w) => docFreq.get(w) === 1)) unique++;
		for (const w of t) if (docFreq.get(w)! <= 5) rare++;
	}
	const stats: StreamStatistics = {
		instructions: instructions.length,
		tokens,
		meanLength: tokens / instructions.length,
		lengthQuantiles: [0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((p) => quantile(lengths, p)),
		distinct: freq.size,
		heaps: fitHeaps(heapsCurve(tokenLists, heapsCheckpoints(tokenLists.length))),
		singletonShare: counts.filter((c) => c === 1).length / counts.length,
		coverage,
		zipfSlope: zipf.beta,
		uniqueTokenShare: unique / instructions.length,
		rareTokensPerInstruction: rare / instructions.length
	};
	if (nearestOf > 0) {
		const pool = new ExhaustivePool();
		const best: number[] = [];
		for (let i = 0; i < Math.min(nearestOf, instructions.length); i++) {
			if (i > 0) best.push(pool.query(instructions[i], 0.7, 0).max?.score ?? 0);
			pool.add(instructions[i]);
		}
		best.sort((a, b) => a - b);
		stats.nearest = {
			quantiles: [0.1, 0.5, 0.9].map((p) => quantile(best, p)),
			above: [0.5, 0.6, 0.7].map((t) => best.filter((s) => s > t).length / best.length)
		};
	}
	return stats;
}

// ---------------------------------------------------------------------------------------------
// Word classes. Real words first (in a seeded shuffle); invented words once a list runs out.

const list = (s: string) => s.trim().split(/\s+/);

const NOUNS = list(`
	city river garden computer teacher student library hospital restaurant company customer market village forest
	mountain ocean island bridge school museum airport train bicycle kitchen recipe budget contract meeting project
	website password database algorithm network server camera phone battery engine factory farm harvest weather storm
	drought election government policy law court tax salary loan bank investment startup product brand advertisement
	newspaper magazine novel poem song movie painting sculpture concert festival holiday wedding birthday vacation hotel
	planet star galaxy telescope satellite rocket robot sensor drone microscope vaccine virus disease medicine diet
	vitamin muscle heart brain sleep habit emotion friendship family neighbor community volunteer charity donation
	language grammar vocabulary sentence paragraph essay argument debate speech interview resume career manager employee
	team leader coach athlete tournament match score referee stadium marathon yoga dance guitar piano violin drum chess
	puzzle riddle game toy dog cat horse bird bee butterfly whale shark dolphin tiger elephant penguin owl tree flower
	seed soil fertilizer compost greenhouse orchard vineyard coffee tea bread cheese chocolate soup salad pizza noodle
	dumpling sandwich breakfast lunch dinner snack dessert spice sauce knife oven refrigerator blender house apartment
	roof window door furniture sofa lamp carpet closet garage basement neighborhood street highway traffic parking
	ticket passport luggage compass tent backpack boat canoe harbor lighthouse beach desert volcano earthquake glacier
	climate pollution recycling plastic energy electricity fuel gasoline carbon emission ecosystem species habitat
	wildlife insect fungus bacteria cell gene protein molecule atom element experiment hypothesis theory evidence survey
	statistics spreadsheet report summary timeline history empire king queen revolution war treaty monument castle
	temple philosopher scientist inventor artist poet composer architect engineer doctor nurse lawyer judge farmer chef
	baker pilot sailor soldier detective journalist photographer designer programmer developer tester user client
	supplier shop store mall warehouse delivery package email message letter invitation complaint review rating
	feedback question answer quiz exam lesson course degree university scholarship homework notebook pencil calendar
	schedule deadline goal plan strategy risk opportunity problem solution decision mistake checklist tutorial manual
	guide instruction rule standard benefit challenge trend innovation invention tool machine device appliance software
	app platform podcast blog channel audience fan celebrity actor director script scene character villain hero myth
	legend story anchor apron arch arrow attic avalanche badge balcony ballot bandage barn barrel basket beacon bench
	blanket blizzard bolt boulder bracelet brick broom bucket buffet bulb cabin cable cactus canal candle canyon
	carriage cartoon cathedral cavern cellar ceremony chimney circuit cliff clock cloud coin collar comet cottage crater
	crown curtain cushion dam dashboard diamond diary dock dome dragon dune eagle easel elevator envelope fabric fence
	ferry fiddle flag flute fountain fox frog furnace gadget gate gem glove goat gorilla granite hammer hammock harp hat
	helmet hive hook hurricane igloo ink jacket jar jewel jungle kettle kite ladder lagoon lantern lava lemon lens
	lizard lock loom magnet mango marble mask meadow meteor mirror moss mosaic moth mural napkin needle nest oasis
	octopus orchestra paddle palace parachute parrot pasture pebble pendulum pepper pier pillow pipe plateau plum pond
	porch pottery prism pumpkin puppet pyramid quarry quilt rabbit raft rainbow reef ribbon ring rope saddle scarf
	scroll shelf shell shovel shrine silk skyscraper sled snail sponge squirrel stable statue steam stove submarine
	suitcase swamp sword tablet tapestry telegraph thermometer thread throne tide tile torch tower tractor trail tram
	trumpet tunnel turbine turtle umbrella valley vase velvet wagon wallet walrus waterfall wheel whistle windmill wolf
	wool workshop yacht yarn zebra zipper almond avocado bagel barley basil biscuit broth butter cabbage carrot cashew
	celery cherry cinnamon coconut cucumber curry garlic ginger honey lentil lettuce melon mushroom mustard oatmeal
	olive onion pancake peanut pear pickle potato radish raisin spinach tofu tomato turnip vanilla walnut yogurt
	accountant astronomer barber biologist carpenter cashier chemist economist electrician florist geologist jeweler
	linguist locksmith mechanic midwife plumber potter surgeon tailor translator veterinarian zoologist algebra anatomy
	archaeology astronomy botany calculus chemistry ecology ethics geometry linguistics logic meteorology optics physics
	psychology sociology blockchain crowdfunding salutation matrix houseplant parsimony hardware sodium telecommunications
	exponent sequel genre quarantine finance solitaire humidity closure economics tribe windshield gerund festival
	exoplanet contradiction fibonacci regression classification sentiment synonym antonym metaphor simile idiom proverb
	haiku limerick sonnet acronym abbreviation equation fraction percentage probability triangle rectangle circle
	polygon function variable loop array string integer query table column keyboard monitor printer router browser
	cookie firewall encryption malware inflation recession unemployment supply demand currency mortgage pension
	insurance retirement democracy constitution amendment parliament senate congress president minister ambassador
	citizen immigrant refugee border census population migration urbanization agriculture irrigation drought fishery
	mining steel cement concrete timber cotton rubber glass aluminum copper silver gold iron oxygen hydrogen nitrogen`);

const ADJECTIVES = list(`
	new old small large local global modern ancient simple complex cheap expensive healthy popular rare common quiet
	noisy busy lazy clever friendly rude honest famous unknown digital traditional urban rural sustainable renewable
	dangerous safe fast slow efficient creative boring exciting funny serious formal casual personal professional public
	private online offline remote crowded empty fresh frozen spicy sweet sour bitter colorful dark bright tiny huge tall
	short young elderly international national regional historic scientific medical financial legal political economic
	social cultural environmental educational technical practical theoretical emotional physical mental visual musical
	artistic athletic electric solar organic vegetarian vegan handmade luxury affordable seasonal weekly daily annual
	main major minor hidden secret strange unusual typical ideal abstract accurate adventurous ambitious anxious awkward
	bold brave brittle calm careful charming cheerful chilly clumsy cozy crisp curious damp delicate dusty eager elegant
	enormous fierce fluffy fragile gentle gloomy graceful greasy grumpy hollow humble icy jolly lively lonely loyal
	magnificent messy mighty muddy mysterious narrow nervous nimble peaceful plain polite precious proud quaint rapid
	restless ripe rusty shiny silent silly sleepy slippery smooth sparkling steep sticky stormy sturdy tender thirsty
	tidy vast vivid wealthy wild witty wooden zealous automated biodegradable collaborative decentralized interactive
	multilingual portable recyclable wireless accessible inclusive minimalist nostalgic persuasive positive negative
	neutral passive active logical grammatical meaningful unique memorable catchy effective successful innovative
	realistic fictional historical futuristic magical mysterious symbolic sedulous savory malicious abusive impolite
	endangered native invasive tropical arctic coastal mountainous volcanic metallic liquid solid gaseous toxic`);

const VERBS = list(`
	improve reduce organize design build fix plan choose compare explain describe promote protect clean cook paint
	repair manage sell buy rent teach learn measure test review translate summarize decorate recycle train motivate
	schedule launch market advertise celebrate visit explore study analyze evaluate predict prevent grow start finish
	update upgrade secure share document present negotiate insure finance host assemble bake borrow brew calibrate
	catalog coordinate customize debug decode defend deliver digitize donate draft edit engrave estimate feed film
	forecast frame harvest illustrate inspect install interview knit label memorize mentor mix monitor navigate patch
	photograph pitch polish preserve publish rebuild record refurbish rehearse relocate renovate replace restore rewrite
	sketch sort sponsor store survey tune wrap water conserve detect classify encourage attract support increase
	calculate convert identify extract encrypt compress visualize simulate automate optimize extrude authenticate
	minimize maximize persuade inspire entertain inform educate welcome`);

const PROPER = list(`
	france london mexico paris tokyo china india brazil canada germany italy spain egypt kenya japan russia australia
	california texas chicago boston montreal houston berlin rome madrid cairo nairobi sydney toronto seattle amazon
	google apple microsoft facebook twitter shakespeare einstein newton darwin gandhi lincoln washington mozart
	beethoven picasso tesla edison curie galileo aristotle plato john mary alice bob sarah michael david emma james
	maria europe africa asia america antarctica everest sahara nile mississippi pacific atlantic mars jupiter venus
	saturn mercury netflix youtube instagram spotify python java javascript excel wikipedia reddit cnn versailles
	maasai taj mahal centauri proxima hamlet odyssey iliad olympics`);

const NUMBERS = list('two three five 5 3 10 four 4 2 ten six seven 7 eight 20 100 6 one 1 nine 50 8 twelve');
const TEXT_TYPES = list(`
	story poem essay tweet email letter speech song slogan headline haiku paragraph review summary report article
	dialogue joke riddle recipe description title tagline caption sentence list outline advertisement announcement
	biography limerick blog`);
const LANGUAGES = list('french spanish german italian japanese chinese portuguese korean russian arabic hindi dutch');

/** First words of the sample's instructions and how many of 5,000 start with each. */
const OPENINGS: [string, number][] = [
	['generate', 459], ['create', 375], ['describe', 291], ['write', 266], ['what', 237], ['given', 213],
	['explain', 181], ['name', 170], ['identify', 134], ['find', 131], ['rewrite', 114], ['how', 100], ['list', 97],
	['suggest', 97], ['construct', 86], ['provide', 84], ['give', 84], ['design', 83], ['summarize', 81],
	['compare', 79], ['classify', 73], ['edit', 67], ['come', 67], ['compose', 61], ['analyze', 44],
	['calculate', 44], ['categorize', 43], ['make', 40], ['tell', 37], ['convert', 32], ['develop', 28],
	['determine', 28], ['change', 27], ['translate', 26], ['in', 26], ['brainstorm', 24], ['you', 23], ['add', 22],
	['arrange', 21], ['select', 19], ['evaluate', 19], ['which', 17], ['other', 531]
];

/**
 * Frames by opening. Slots: {NP} a noun phrase of any length (the length budget goes there),
 * {SENT} a quoted sentence (likewise), {N}/{Ns} a noun, {A} an adjective, {V} a verb (base),
 * {Vs} third person, {NUM}, {TEXT} a text type, {LANG}, {P} a proper name, and "@" another
 * instruction (lower-cased) after a "Given …," opening. "(a/b/c)" picks one wording and
 * "[…]" is there half of the time, as real instructions vary their phrasing.
 */
const FRAMES: Record<string, string[]> = {
	generate: [
		'Generate a (list/set/collection/series) of {NUM} [{A}] {Ns}[ (for/about/related to/used in) {NP}].',
		'Generate a list of {Ns} that (can/could/should/would) {V} {NP}.',
		'Generate a [{A}] {TEXT} (about/on/describing/featuring/for) {NP}[ in {NUM} (words/sentences/lines)].',
		'Generate {NUM} (ideas/ways/strategies/tips/examples) (to/that can/on how to) {V} {NP}.',
		'Generate a (new/creative/unique/catchy/possible) (name/title/solution/idea/question) (for/about/to address) {NP}.',
		'Generate (an example/a definition/a description/a summary) of {NP}.',
		'Generate a sentence (using/with/that contains/that includes) the (word/term/noun) "{N}".',
		'Generate a (hypothesis/prediction/question/plan) (about/for/regarding) {NP}.',
		'Generate a (response/reply/answer) to the (following/given) {N}[: {SENT}]',
		'Generate a random {N} (with/of/containing) {NUM} {Ns}.',
		'Generate {NUM} (questions/facts/reasons/adjectives) (about/that describe/related to) {NP}.',
		'Generate a (title/summary/headline/question) for the (following/given) (text/article/story/sentence)[ about {NP}].'
	],
	create: [
		'Create a [{A}] {TEXT} (about/for/describing/on) {NP}.',
		'Create a (list/set/table/chart) of {NUM} {Ns}[ (for/about/that {V}) {NP}].',
		'Create a [{A}] (plan/strategy/program/schedule/budget) (to/that will/for how to) {V} {NP}.',
		'Create a (slogan/logo/name/tagline/motto) for [a] {NP}.',
		'Create (an algorithm/a function/a program/a query/a formula) (to/that can) {V} {NP}.',
		'Create a [{A}] (recipe/menu/dish/meal) (for/using/with) {NP}.',
		'Create a (story/character/scenario/dialogue) (about/involving/between) {NP}.',
		'Create a [new] {N} (that/which) {Vs} {NP}.',
		'Create {NUM} (questions/rules/guidelines/tips) (for/about/on) {NP}.',
		'Create a (sentence/question/title/story) (using/based on/from) the (following/given) (words/text/sentence)[: {SENT}]'
	],
	describe: [
		'Describe the (main/key/typical/{A}) {Ns} of {NP}.',
		'Describe (how to/the best way to/a way to/the steps to) {V} {NP}.',
		'Describe (a/the/your favorite/an ideal/a typical) {NP}.',
		'Describe the (process/history/role/purpose/structure) of {NP}.',
		'Describe the (effect/impact/influence) of {NP} on {NP}.',
		'Describe (what/how/why) {NP} (is/looks/feels/works)[ like].',
		'Describe a (situation/time/scenario) (when/where/in which) {NP} {Vs} {NP}.',
		'Describe {NP} in {NUM} (words/sentences/adjectives).',
		'Describe the (following/given) {N} (in/using) {NUM} (words/sentences)[: {SENT}]'
	],
	write: [
		'Write a [{A}] {TEXT} (about/on/describing/for) {NP}.',
		'Write a (short/brief/funny/persuasive) {TEXT} (about/on/that explains/that describes) {NP}.',
		'Write a (function/program/script/query) [in {LANG} ](to/that) {V} {NP}.',
		'Write {NUM} (sentences/lines/paragraphs/questions) (about/describing/on) {NP}.',
		'Write a {TEXT} (that/which) {Vs} {NP}.',
		'Write a sentence (that uses/using/with/containing) the word "{N}".',
		'Write (an email/a letter/a message/a note) to {NP} (about/regarding/asking for/explaining) {NP}.',
		'Write a {TEXT} (in which/where) {NP} {Vs} {NP}.',
		'Write a (response/reply/summary/title) (to/for) the (following/given) (sentence/text/email)[: {SENT}]'
	],
	what: [
		'What (is/are/was/were) the [{A}] (main/most important/primary/key) {Ns} (of/for/in) {NP}?',
		'What is the (difference/relationship/connection/similarity) between {NP} and {NP}?',
		'What (are/were/is) {NUM} (examples/types/kinds/uses) of {NP}?',
		'What (is/are) {NP}?',
		'What are the (benefits/advantages/risks/causes/effects) of {NP}?',
		'What is the (best/easiest/fastest/cheapest) way to {V} {NP}?',
		'What is the (capital/population/currency/language) of {P}?',
		'What does {NP} (mean/do/represent/stand for)?',
		'What (would/could/might) happen if {NP} {Vs} {NP}?',
		'What (type/kind/sort) of {N} is {NP}?',
		'What is the (meaning/tone/subject/theme) of the (following/given) (sentence/text/poem)[: {SENT}]'
	],
	given: ['Given (the following/a/this/the) {N}, @', 'Given (a/the/some) {N} (of/about/with) {NP}, @', 'Given {NP}, @', 'Given the (input/data/text/list) (below/above/provided), @'],
	explain: [
		'Explain (the concept/the meaning/the importance/the purpose/the role) of {NP}.',
		'Explain (why/how/whether) {NP} (is/are/can be/was) {A}.',
		'Explain (how/why/when) {NP} {Vs} {NP}.',
		'Explain the (difference/connection/relationship) between {NP} and {NP}.',
		'Explain (what/how) {NP} (means/works/is)[ in {NUM} sentences].',
		'Explain (how/the best way/why it is important) to {V} {NP}.',
		'Explain the meaning of the (following/given) (sentence/phrase/word)[: {SENT}]'
	],
	name: [
		'Name {NUM} [{A}] {Ns}[ that (are/can be/were) {A}].',
		'Name (a/one/the most) {A} {N} (in/from/of) {P}.',
		'Name the (main/largest/first/oldest/best) {N} (of/in/for) {NP}.',
		'Name {NUM} (types/kinds/examples/famous) of {NP}.',
		'Name {NUM} {Ns} that (can/could/often/usually) {V} {NP}.'
	],
	identify: [
		'Identify the {N} (in/of) the (following/given/input) (sentence/text/paragraph/passage).',
		'Identify the [{A}] (main/key/primary) {N} of {NP}.',
		'Identify {NUM} (types/examples/causes/signs) of {NP}.',
		'Identify the (type/kind/category/tense) of {N} (in/used in/of) the (given/following) {N}.',
		'Identify (the/all) {Ns} in (this/the following) sentence: {SENT}'
	],
	find: [
		'Find the (sum/average/area/value/length/meaning) of {NP}.',
		'Find (a/the/an appropriate) (synonym/antonym/rhyme/definition) (for/of) the word "{A}".',
		'Find {NUM} {Ns} (that/which) {V} {NP}.',
		'Find the [{A}] {N} (in/from) the (following/given) {N}.',
		'Find the (relationship/difference/connection/distance) between {NP} and {NP}.',
		'Find the (main idea/subject/verb/error) in the (following/given) sentence[: {SENT}]'
	],
	rewrite: [
		'Rewrite the (following/given/this) sentence (to make it/so that it is/so it sounds) more {A}[: {SENT}]',
		'Rewrite the sentence {SENT} (in/using) (the {A} voice/{A} language/fewer words)[.]',
		'Rewrite the (following/given) {TEXT} (using/in/with) [more] {A} (language/words/tone).',
		'Rewrite (this/the following/the given) {TEXT} (for/to suit/so it suits) {NP}.'
	],
	how: [
		'How (can/should/could/would) {NP} {V} {NP}?',
		'How (does/did/will/might) {NP} (affect/influence/change/impact) {NP}?',
		'How (would/should/do/can) (you/I/we/people) {V} {NP}?',
		'How is {NP} (different from/similar to/related to/better than) {NP}?',
		'How (many/much) {Ns} (are/were/does it take) (in/to make/for) {NP}?'
	],
	list: ['List {NUM} [{A}] {Ns} (of/for/in/that {V}) {NP}.', 'List {NUM} [{A}] {Ns}.', 'List (the/some/all the/the main) {Ns} (of/in/for) {NP}.', 'List {NUM} (ways/reasons/steps/tips) (to/for how to/on how to) {V} {NP}.'],
	suggest: ['Suggest {NUM} (ways/strategies/ideas/methods) to {V} {NP}.', 'Suggest (a/an appropriate/a good/a better) {N} (for/to describe/to replace) {NP}.', 'Suggest a [{A}] (name/title/theme/topic) (for/of) {NP}.', 'Suggest the (best/most {A}/easiest) way to {V} {NP}.'],
	construct: ['Construct a [{A}] (model/plan/query/formula/table) (to/that will/which can) {V} {NP}.', 'Construct a (sentence/paragraph/story/question) (using/with/from/that includes) the (words/terms/nouns) {N}, {N} and {N}.', 'Construct an (argument/analogy/example/equation) (for/about/that explains) {NP}.'],
	provide: ['Provide {NUM} (examples/reasons/facts/tips) (of/for/about/on) {NP}.', 'Provide (an example/a definition/an explanation/an overview/a summary) of {NP}.', 'Provide a (list/description/timeline/comparison) of {Ns} (for/in/from/of) {NP}.'],
	give: ['Give {NUM} (tips/reasons/examples/ideas/suggestions) (for/on/about/why) {NP}.', 'Give (an example/a definition/me an example/a description) of {NP}.', 'Give (me/us) a {N} (for/about/that {Vs}) {NP}.', 'Give {NUM} reasons (why/how) {NP} (is/can be/was) {A}.'],
	design: ['Design a [{A}] {N} (for/to help/that helps/that {Vs}) {NP}.', 'Design (an experiment/a study/a survey/a test) to (measure/test/determine/find out) {NP}.', 'Design a (logo/website/poster/game/app) (for/about/that promotes) {NP}.'],
	summarize: ['Summarize the (main points/plot/history/key ideas/causes) of {NP}.', 'Summarize the (following/given) {TEXT} in {NUM} (sentences/words/points).', 'Summarize (what/how/why) {NP} {Vs} {NP}.'],
	compare: ['Compare and contrast {NP} (and/with) {NP}.', 'Compare {NP} (with/to/and) {NP}[ in terms of {NP}].', 'Compare the (features/costs/benefits/styles/effects) of {NP} and {NP}.'],
	classify: ['Classify the (following/given/input) {N} as [either ]{A} or {A}.', 'Classify the (following/given) {Ns} (into/by/according to) {NUM} (categories/groups/types).', 'Classify (this/the following) sentence as {A}, {A} or {A}: {SENT}'],
	edit: ['Edit the (following/given/this) sentence to (make it/remove/fix/improve) {NP}.', 'Edit the (given/following) {TEXT} (for/to correct/to remove) {N} (and/or) {N}.', 'Edit (this/the following) sentence[ (for grammar/to be more {A})]: {SENT}'],
	come: ['Come up with (a/an/some/{NUM}) [{A}] {N} (for/about/to {V}) {NP}.', 'Come up with {NUM} [{A}] (ways/ideas/names/questions) to {V} {NP}.'],
	compose: ['Compose a [{A}] {TEXT} (about/for/on/describing) {NP}.', 'Compose (an email/a letter/a tweet/a message) (to/for/about) {NP}.'],
	analyze: ['Analyze the (impact/structure/meaning/role/tone) of {NP}.', 'Analyze the (following/given) {TEXT} and (identify/explain/describe) {NP}.'],
	calculate: ['Calculate the (total/average/area/volume/cost/speed) of {NP}.', 'Calculate the (total/average) {N} (of/for) {NUM} {Ns}.', 'Calculate the (area/perimeter/volume) of a {N} with a (length/side/radius/height) of {NUM} {Ns}.'],
	categorize: ['Categorize the (following/given) {Ns} (into/as) {A} (and/or) {A}.', 'Categorize (this/the given/the following) {N} (as/into) {NP}.'],
	make: ['Make a (list/plan/chart/table) of {NUM} {Ns}[ (for/about) {NP}].', 'Make a [{A}] (prediction/decision/recommendation/guess) (about/for/on) {NP}.'],
	tell: ['Tell (me/us) (about/something about/a story about/a joke about) {NP}.', 'Tell (me/us) {NUM} (facts/things/reasons) (about/to know about/why) {NP}.'],
	convert: ['Convert the (following/given) {N} (into/to) [a] {N}.', 'Convert {NUM} {Ns} (to/into) {Ns}.', 'Convert (this/the following) sentence (into/to) {LANG}: {SENT}'],
	develop: ['Develop a [{A}] (plan/strategy/system/model/app) (to/that can/for how to) {V} {NP}.', 'Develop a [{A}] (marketing/business/training/research) (strategy/plan/program) for {NP}.'],
	determine: ['Determine (whether/if) {NP} (is/are/was) {A}.', 'Determine the (type/value/cause/meaning/size) of {NP}.'],
	change: ['Change the (following/given/this) sentence (to/into) [the ]{A} (voice/tense/form)[: {SENT}]', 'Change the {N} of {NP} (to/into) {A}.'],
	translate: ['Translate the (following/given/this) (sentence/phrase/text) (into/to) {LANG}[: {SENT}]', 'Translate {SENT} (into/to) {LANG}.'],
	in: ['In {NUM} (words/sentences/lines)[ or less], (describe/explain/summarize) {NP}.', 'In (your own words/simple terms/a few sentences), (explain/describe) {NP}.'],
	brainstorm: ['Brainstorm {NUM} (ideas/names/ways/topics) (for/to {V}/about) {NP}.', 'Brainstorm (ways/ideas/solutions) to {V} {NP}.'],
	you: ['You are (given/provided with/presented with) {NP}. @', 'You (need/want/are asked) to {V} {NP}. (What should you do/How would you do it)?'],
	add: ['Add a [{A}] (word/sentence/line/phrase) to the (following/given) {TEXT}[ about {NP}].', 'Add {NUM} more {Ns} to the (list/set/table) of {NP}.'],
	arrange: ['Arrange the (following/given) {Ns} in (alphabetical/chronological/{A}) order.', 'Arrange the (words/phrases/items) (to form/into) a [{A}] sentence about {NP}.'],
	select: ['Select the [most] {A} {N} from the (list/group/set) of {NP}.', 'Select {NUM} {Ns} (that/which) (can/could) {V} {NP}.'],
	evaluate: ['Evaluate the (effectiveness/quality/impact/accuracy) of {NP}.', 'Evaluate the (following/given) {TEXT} (for/in terms of/based on) {N}.'],
	which: ['Which {N} is [more] {A}: {NP} or {NP}?', 'Which of the (following/given) {Ns} (can/could/is able to) {V} {NP}?'],
	// The long tail of openings: any verb.
	other: ['{V} (the/a/this/your) {NP}.', '{V} the (following/given) {N}[ (for/of/with) {NP}].', '{V} a [{A}] {N} (for/with/about) {NP}.', '{V} {NUM} {Ns} (to/that/which) {V} {NP}.', '(Is/Are/Can/Should) {NP} {A}?', '{V} the (following/given) sentence[ (into/for/using) {NP}][: {SENT}]']
};

// ---------------------------------------------------------------------------------------------
// The generator.

/** Pitman–Yor word class parameters: discount d and concentration θ. */
export interface OpenVocabulary {
	discount: number;
	concentration: number;
}

const SYLLABLES = list('ka lo mi ra ten vel dor an is qua bre zen tor li ma ro sa vin cal dru pho nex ul ber gan tis mer ova sel kir');

/** One open word class: a Pitman–Yor process over real words, then invented ones. */
class WordClass {
	private readonly types: string[] = [];
	private readonly counts: number[] = [];
	/** Every draw's type, so that a uniform pick is ∝ count. */
	private readonly draws: number[] = [];
	private nextReal = 0;

	constructor(
		private readonly real: string[],
		private readonly invent: () => string,
		private readonly params: OpenVocabulary,
		private readonly random: () => number
	) {}

	draw(): string {
		const { discount: d, concentration: theta } = this.params;
		const n = this.draws.length;
		const k = this.types.length;
		let type: number;
		if (this.random() * (theta + n) < theta + d * k) {
			type = k;
			this.types.push(this.nextReal < this.real.length ? this.real[this.nextReal++] : this.invent());
			this.counts.push(0);
		} else {
			// ∝ (count − d): a draw picked uniformly is ∝ count; keep it with probability 1 − d/count.
			for (;;) {
				type = this.draws[Math.floor(this.random() * n)];
				if (this.random() * this.counts[type] >= d) break;
			}
		}
		this.counts[type]++;
		this.draws.push(type);
		return this.types[type];
	}
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

function plural(noun: string): string {
	if (/(s|sh|ch|x|z)$/.test(noun)) return noun + 'es';
	if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + 'ies';
	return noun + 's';
}

function capitalize(s: string): string {
	return s[0].toUpperCase() + s.slice(1);
}

interface Slot {
	kind: string;
}

interface Frame {
	/** Literal text and slots in order. */
	parts: (string | Slot)[];
	/** Tokens of the literal text and the one-token slots. */
	fixed: number;
	/** Number of {NP} and {SENT} slots, which take the rest of the length budget. */
	flexible: number;
	sentences: number;
	/** Largest size of each {NP} / {SENT} slot, in order. */
	phraseCaps: number[];
	nested: boolean;
}

function parseFrame(frame: string): Frame {
	const parts: (string | Slot)[] = [];
	let fixed = 0;
	let flexible = 0;
	let sentences = 0;
	let nested = false;
	const re = /\{(\w+)\}|@/g;
	let at = 0;
	for (let m = re.exec(frame); m; m = re.exec(frame)) {
		if (m.index > at) parts.push(frame.slice(at, m.index));
		const kind = m[0] === '@' ? '@' : m[1];
		parts.push({ kind });
		if (kind === 'NP') flexible++;
		else if (kind === 'SENT') {
			flexible++;
			sentences++;
		} else if (kind === '@') nested = true;
		else fixed++;
		at = m.index + m[0].length;
	}
	if (at < frame.length) parts.push(frame.slice(at));
	for (const p of parts) if (typeof p === 'string') fixed += tokenize(p).length;
	const phraseCaps: number[] = [];
	for (const p of parts) if (typeof p !== 'string' && (p.kind === 'NP' || p.kind === 'SENT')) phraseCaps.push(p.kind === 'SENT' ? MAX_SENTENCE : MAX_PHRASE);
	return { parts, fixed, flexible, sentences, phraseCaps, nested };
}

/** A noun phrase takes at most this many tokens; a quoted sentence at most this many. */
const MAX_PHRASE = 12;
const MAX_SENTENCE = 60;
const DETERMINERS = list('the the the the a a a a an this your');
const JOINERS = list('of of of for in in with and to on from that');
/** Text ending in an article or a possessive: the noun phrase after it takes none of its own. */
const DETERMINED = /\b(the|a|an|your|this|my|some|these|all the)\s$/i;
/** Shortest instruction a "Given …, @" frame nests. */
const MIN_NESTED = 4;

export interface StreamOptions {
	profile?: InstructionProfile;
	vocabulary?: OpenVocabulary;
	/** Share of candidates that are edits of an earlier one landing above ROUGE-L 0.7. */
	plantedShare?: number;
	/**
	 * Let through only generated instructions with ROUGE-L ≤ 0.7 to every earlier one (default
	 * true), as real instruction data is: Alpaca's and Self-Instruct's were produced by this very
	 * filter, which is why the sample has no pair above 0.7. Near-duplicates then come only from
	 * the planted share.
	 */
	filtered?: boolean;
}

/**
 * Fitted by `calibrateVocabulary` on the built-in profile; the benchmark refits when the
 * sample is present.
 */
export const BUILT_IN_VOCABULARY: OpenVocabulary = { discount: 0.35, concentration: 144.6 };

export interface InstructionStream {
	instructions: string[];
	/** planted[i]: candidate i is a planted near-duplicate (an edit of an earlier one). */
	planted: boolean[];
	/** Generated instructions the ROUGE-L ≤ 0.7 pre-filter dropped (accidental near-duplicates). */
	dropped: number;
}

export function makeInstructionStream(count: number, seed: number, options: StreamOptions = {}): InstructionStream {
	const profile = options.profile ?? BUILT_IN_PROFILE;
	const vocabulary = options.vocabulary ?? BUILT_IN_VOCABULARY;
	const plantedShare = options.plantedShare ?? 0.03;
	const random = rng(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(items.length * random())];

	const invented = new Set<string>();
	const invent = (syllables: number) => () => {
		for (;;) {
			let w = '';
			const k = syllables + Math.floor(random() * 2);
			for (let i = 0; i < k; i++) w += pick(SYLLABLES);
			if (!invented.has(w)) {
				invented.add(w);
				return w;
			}
		}
	};
	const classes = {
		noun: new WordClass(shuffled(NOUNS, random), invent(3), vocabulary, random),
		adjective: new WordClass(shuffled(ADJECTIVES, random), invent(3), vocabulary, random),
		verb: new WordClass(shuffled(VERBS, random), invent(3), vocabulary, random),
		proper: new WordClass(shuffled(PROPER, random), invent(2), vocabulary, random)
	};
	const number = () => (random() < 0.1 ? String(2 + Math.floor(random() * (random() < 0.5 ? 100 : 100000))) : pick(NUMBERS));

	const lengthTable: number[] = [];
	profile.lengthCounts.forEach((c, length) => {
		for (let k = 0; k < c; k++) lengthTable.push(length);
	});
	const openingTotal = OPENINGS.reduce((a, [, w]) => a + w, 0);
	const parsed = new Map<string, Frame>();
	/** A frame with its wordings picked and its optional parts kept or dropped. */
	const frameOf = (template: string): Frame => {
		const text = template
			.replace(/\[([^[\]]*)\]/g, (_, optional: string) => (random() < 0.5 ? optional : ''))
			.replace(/\(([^()]*)\)/g, (_, options: string) => pick(options.split('/')));
		let frame = parsed.get(text);
		if (frame === undefined) parsed.set(text, (frame = parseFrame(text)));
		return frame;
	};
	const opening = () => {
		let r = random() * openingTotal;
		for (const [name, w] of OPENINGS) if ((r -= w) < 0) return name;
		return 'other';
	};

	/** A noun phrase of exactly `size` tokens (`determined`: the frame already put an article before it). */
	const nounPhrase = (size: number, determined = false): string[] => {
		if (size === 1) return [random() < 0.1 ? classes.proper.draw() : random() < 0.3 ? plural(classes.noun.draw()) : classes.noun.draw()];
		if (!determined && random() < 0.8) return [pick(DETERMINERS), ...core(size - 1)];
		return core(size);
	};
	const core = (size: number): string[] => {
		if (size === 1) return nounPhrase(1);
		if (size === 2) {
			const r = random();
			if (r < 0.55) return [classes.adjective.draw(), ...nounPhrase(1)];
			if (r < 0.85) return [classes.noun.draw(), ...nounPhrase(1)];
			return [classes.proper.draw(), classes.proper.draw()];
		}
		if (random() < 0.35) return [classes.adjective.draw(), ...core(size - 1)];
		const head = 1 + Math.floor(random() * Math.min(2, size - 2));
		const joiner = pick(JOINERS);
		return [...core(head), joiner, ...nounPhrase(size - head - 1)];
	};
	const verb3 = (v: string) => (/(s|sh|ch|x|z|o)$/.test(v) ? v + 'es' : /[^aeiou]y$/.test(v) ? v.slice(0, -1) + 'ies' : v + 's');
	/** A quoted sentence of exactly `size` (≥ 3) tokens. */
	const sentence = (size: number): string => {
		const words: string[] = [];
		let left = size;
		while (left > 0) {
			if (left < 3) {
				words.push(...nounPhrase(left));
				break;
			}
			const subject = 1 + Math.floor(random() * Math.min(4, left - 2));
			const object = Math.min(left - subject - 1, 1 + Math.floor(random() * 5));
			words.push(...nounPhrase(subject), random() < 0.3 ? pick(['is', 'was', 'can']) : verb3(classes.verb.draw()), ...nounPhrase(object));
			left -= subject + 1 + object;
			if (left > 0 && left < 3) {
				words.push(...nounPhrase(left));
				left = 0;
			} else if (left > 0) {
				words.push(pick(['and', 'because', 'but', 'while', 'so']));
				left--;
			}
		}
		return `"${capitalize(words.join(' '))}."`;
	};

	/** An instruction of exactly `length` tokens (or null when the frame cannot fit it). */
	const fillFrame = (frame: Frame, length: number): string | null => {
		let budget = length - frame.fixed;
		let nestedLength = 0;
		if (frame.nested) {
			// Keep at least one token per phrase, give the nested instruction the rest or some of it.
			nestedLength = budget - frame.flexible;
			if (nestedLength < MIN_NESTED) return null;
			if (frame.flexible > 0) nestedLength = MIN_NESTED + Math.floor(random() * (nestedLength - MIN_NESTED + 1));
			budget -= nestedLength;
		}
		const minimum = frame.flexible + 2 * frame.sentences;
		const maximum = (frame.flexible - frame.sentences) * MAX_PHRASE + frame.sentences * MAX_SENTENCE;
		if (budget < minimum || budget > maximum) return null;
		if (frame.flexible === 0 && budget !== 0) return null;
		// Split the budget among the phrases: each its minimum, the rest one token at a time.
		const sizes = frame.phraseCaps.map((cap) => (cap === MAX_SENTENCE ? 3 : 1));
		let rest = budget - minimum;
		while (rest > 0) {
			const k = Math.floor(random() * sizes.length);
			if (sizes[k] < frame.phraseCaps[k]) {
				sizes[k]++;
				rest--;
			}
		}
		let phrase = 0;
		let text = '';
		for (const p of frame.parts) {
			if (typeof p === 'string') {
				text += p;
				continue;
			}
			switch (p.kind) {
				case 'NP':
					text += nounPhrase(sizes[phrase++], DETERMINED.test(text)).join(' ');
					break;
				case 'SENT':
					text += sentence(sizes[phrase++]);
					break;
				case 'N':
					text += classes.noun.draw();
					break;
				case 'Ns':
					text += plural(classes.noun.draw());
					break;
				case 'A':
					text += classes.adjective.draw();
					break;
				case 'V':
					text += classes.verb.draw();
					break;
				case 'Vs':
					text += verb3(classes.verb.draw());
					break;
				case 'NUM':
					text += number();
					break;
				case 'TEXT':
					text += pick(TEXT_TYPES);
					break;
				case 'LANG':
					text += capitalize(pick(LANGUAGES));
					break;
				case 'P':
					text += capitalize(classes.proper.draw());
					break;
				case '@': {
					const inner = instructionOf(nestedLength, false);
					text += inner[0].toLowerCase() + inner.slice(1);
					break;
				}
				default:
					throw new Error(`unknown slot ${p.kind}`);
			}
		}
		return capitalize(
			text.replace(/ {2,}/g, ' ').replace(/\b([Aa])n? ([a-z0-9])/g, (_, a: string, c: string) => a + ('aeiou'.includes(c) ? 'n ' : ' ') + c)
		);
	};

	const instructionOf = (length: number, mayNest: boolean): string => {
		for (;;) {
			const frame = frameOf(pick(FRAMES[opening()]));
			if (frame.nested && !mayNest) continue;
			const text = fillFrame(frame, length);
			if (text !== null) return text;
		}
	};

	/** An earlier instruction with one or two small word edits, kept only if ROUGE-L > 0.7. */
	const nearCopy = (original: string): string => {
		for (let attempt = 0; ; attempt++) {
			const ws = original.split(' ');
			const edits = attempt < 3 ? 1 + Math.floor(random() * 2) : 1;
			for (let e = 0; e < edits; e++) {
				const at = Math.floor(random() * ws.length);
				const kind = random();
				if (kind < 0.25 && ws.length > 4) ws.splice(at, 1);
				else if (kind < 0.5) ws.splice(at, 0, pick(['please', 'also', 'new', 'short', 'simple', 'good', classes.adjective.draw()]));
				else if (kind < 0.8) ws[at] = random() < 0.5 ? classes.adjective.draw() : classes.noun.draw();
				else if (at + 1 < ws.length) [ws[at], ws[at + 1]] = [ws[at + 1], ws[at]];
			}
			const text = capitalize(ws.join(' '));
			if (rougeL(original, text).fmeasure > 0.7 && text !== original) return text;
		}
	};

	const instructions: string[] = [];
	const planted: boolean[] = [];
	const base: string[] = [];
	const preFilter = options.filtered === false ? null : new NearDuplicateIndex({ minThreshold: 0.7 });
	let dropped = 0;
	for (let i = 0; i < count; i++) {
		if (base.length >= 10 && random() < plantedShare) {
			instructions.push(nearCopy(base[Math.floor(random() * base.length)]));
			planted.push(true);
			continue;
		}
		// Retry at the same length, so that what passes has the sample's length distribution.
		const length = pick(lengthTable);
		for (;;) {
			const text = instructionOf(length, true);
			if (preFilter) {
				const prepared = preFilter.prepare(text);
				if (preFilter.query(prepared, 0.7, 1).exceeds) {
					dropped++;
					continue;
				}
				preFilter.add(prepared);
			}
			base.push(text);
			instructions.push(text);
			planted.push(false);
			break;
		}
	}
	return { instructions, planted, dropped };
}

/**
 * Fit the open word classes' Pitman–Yor discount d and concentration θ on the profile: for each
 * d on a grid, θ by bisection so that a generated stream as long as the sample ends with the
 * sample's vocabulary; then the d whose stream best matches the sample's Heaps exponent β and
 * share of singletons (relative errors, equal weight). d sets both (the share of types seen
 * once tends to d), so the two are traded against each other.
 */
export function calibrateVocabulary(
	profile: InstructionProfile
): OpenVocabulary & { distinct: number; beta: number; singletonShare: number } {
	const count = profile.instructions;
	const measure = (vocabulary: OpenVocabulary) => {
		const tokenLists = makeInstructionStream(count, 12345, { profile, vocabulary, plantedShare: 0 }).instructions.map(tokenize);
		const points = heapsCurve(tokenLists, heapsCheckpoints(count));
		return { ...vocabularyOf(tokenLists), beta: fitHeaps(points).beta };
	};
	const target = profile.distinct;
	let best: (OpenVocabulary & ReturnType<typeof measure>) | null = null;
	let bestError = Infinity;
	for (let discount = 0.25; discount <= 0.701; discount += 0.05) {
		// log(distinct) is close to linear in log θ: regula falsi on the logs, keeping the closest.
		let a = Math.log(1);
		let b = Math.log(3000);
		let fa = Math.log(measure({ discount, concentration: Math.exp(a) }).distinct / target);
		let fb = Math.log(measure({ discount, concentration: Math.exp(b) }).distinct / target);
		let concentration = Math.exp(Math.abs(fa) < Math.abs(fb) ? a : b);
		let m = measure({ discount, concentration });
		for (let k = 0; k < 5 && fa < 0 && fb > 0; k++) {
			const c = a - (fa * (b - a)) / (fb - fa);
			const mc = measure({ discount, concentration: Math.exp(c) });
			const fc = Math.log(mc.distinct / target);
			if (Math.abs(fc) < Math.abs(Math.log(m.distinct / target))) {
				concentration = Math.exp(c);
				m = mc;
			}
			if (fc < 0) [a, fa] = [c, fc];
			else [b, fb] = [c, fc];
		}
		const error =
			((m.beta - profile.heapsBeta) / profile.heapsBeta) ** 2 +
			((m.singletonShare - profile.singletonShare) / profile.singletonShare) ** 2;
		if (error < bestError) {
			bestError = error;
			best = { discount, concentration, ...m };
		}
	}
	return best!;
}

/**
 * Long texts (model outputs of ~150 tokens): each joins generated instructions picked at random
 * from 2·count of them (not pre-filtered: two such texts landing above ROUGE-L 0.7 by accident
 * is practically impossible) until it reaches a length drawn uniformly from 100–200 tokens; `plantedShare` of
 * them are near-copies of an earlier text (a few word edits: replaced, dropped, inserted or
 * swapped words, kept only if ROUGE-L > 0.7 to the original).
 */
export function makeLongTextStream(
	count: number,
	seed: number,
	options: { profile?: InstructionProfile; vocabulary?: OpenVocabulary; plantedShare?: number } = {}
): InstructionStream {
	const plantedShare = options.plantedShare ?? 0.03;
	const random = rng(seed ^ 0x5bd1e995);
	const source = makeInstructionStream(2 * count, seed, { ...options, plantedShare: 0, filtered: false }).instructions;
	const instructions: string[] = [];
	const planted: boolean[] = [];
	for (let i = 0; i < count; i++) {
		if (instructions.length >= 10 && random() < plantedShare) {
			const original = instructions[Math.floor(random() * instructions.length)];
			for (;;) {
				const ws = original.split(' ');
				const edits = 1 + Math.floor(random() * Math.max(1, ws.length / 15));
				for (let e = 0; e < edits; e++) {
					const at = Math.floor(random() * ws.length);
					const kind = random();
					if (kind < 0.25 && ws.length > 4) ws.splice(at, 1);
					else if (kind < 0.5) ws.splice(at, 0, 'also');
					else if (kind < 0.8) ws[at] = source[Math.floor(random() * source.length)].split(' ')[0];
					else if (at + 1 < ws.length) [ws[at], ws[at + 1]] = [ws[at + 1], ws[at]];
				}
				const text = ws.join(' ');
				if (text !== original && rougeL(original, text).fmeasure > 0.7) {
					instructions.push(text);
					planted.push(true);
					break;
				}
			}
			continue;
		}
		const target = 100 + Math.floor(random() * 101);
		let text = '';
		let length = 0;
		while (length < target) {
			const piece = source[Math.floor(random() * source.length)];
			text += (text ? ' ' : '') + piece;
			length += tokenize(piece).length;
		}
		instructions.push(text);
		planted.push(false);
	}
	return { instructions, planted, dropped: 0 };
}
