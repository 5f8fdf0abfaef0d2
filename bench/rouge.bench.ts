/**
 * ROUGE-L benchmark (issue 3): the LCS kernel against the plain dynamic programme, then the
 * Self-Instruct ROUGE-L filter (keep a candidate only if F ≤ 0.7 to every pool instruction,
 * kept ones join the pool at once) over streams of 52,000 and 250,000 realistic instructions,
 * with the near-duplicate index against the exhaustive pair-by-pair scan on a prefix of the
 * stream (extrapolated), and the decisions of both compared on that prefix.
 *
 * Targets on the 2-core machine: 52K in ≤ 2 s; 250K in ≤ 20 s with peak memory < 1 GB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, peakRssMb } from './measure';
import { ExhaustivePool } from '../src/lib/rouge/exhaustive';
import { NearDuplicateIndex } from '../src/lib/rouge/near-duplicate-index';
import { PatternBuffer, lcsLengthDp } from '../src/lib/rouge/lcs';
import { tokenize } from '../src/lib/rouge/tokenize';
import { Vocabulary } from '../src/lib/rouge/vocabulary';
import { runFilters } from '../src/lib/filters/run-filters';
import { filterPreset } from '../src/lib/filters/presets';

// ---------------------------------------------------------------------------------------------
// Realistic instruction text: ~90 task templates in the styles of the Self-Instruct and Alpaca
// data, each with alternative wordings, filled from slot vocabularies with Zipf-like choices,
// optional openings and follow-up sentences, invented words and names for the long tail of rare
// tokens, and 3% planted near-duplicates (an earlier instruction with one or two small edits).
// Calibrated on the 5,000-record Alpaca sample in shared/datasets: at 5,000 instructions it has
// about as many distinct tokens (4.8K vs 5.0K) and singletons (2.8K vs 2.4K), with instructions
// as long as Self-Instruct's (17 tokens vs Alpaca's 10). Templates repeat, so it is denser
// than real data: per query the index reads ~2.6× more inverted-list entries than on the
// Alpaca sample, and 13% (52K) to 23% (250K) of candidates are near-duplicates beyond the
// planted 3% — a harsher test than the paper's data.

/** Mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const words = (s: string) => s.trim().split(/\s*\|\s*/);

const NOUNS = words(`
	city|river|garden|computer|teacher|student|library|hospital|restaurant|company|customer|market|village|forest|mountain|
	ocean|island|bridge|school|museum|airport|train|bicycle|kitchen|recipe|budget|contract|meeting|project|website|
	password|database|algorithm|network|server|camera|phone|battery|engine|factory|farm|harvest|weather|storm|drought|
	election|government|policy|law|court|tax|salary|loan|bank|investment|startup|product|brand|advertisement|newspaper|
	magazine|novel|poem|song|movie|painting|sculpture|concert|festival|holiday|wedding|birthday|vacation|hotel|museum|
	planet|star|galaxy|telescope|satellite|rocket|robot|sensor|drone|microscope|vaccine|virus|disease|medicine|diet|
	vitamin|muscle|heart|brain|sleep|habit|emotion|friendship|family|neighbor|community|volunteer|charity|donation|
	language|grammar|vocabulary|sentence|paragraph|essay|argument|debate|speech|interview|resume|career|manager|employee|
	team|leader|coach|athlete|tournament|match|score|referee|stadium|marathon|yoga|dance|guitar|piano|violin|drum|
	chess|puzzle|riddle|game|toy|dog|cat|horse|bird|bee|butterfly|whale|shark|dolphin|tiger|elephant|penguin|owl|
	tree|flower|seed|soil|fertilizer|compost|greenhouse|orchard|vineyard|coffee|tea|bread|cheese|chocolate|soup|salad|
	pizza|noodle|dumpling|sandwich|breakfast|lunch|dinner|snack|dessert|spice|sauce|knife|oven|refrigerator|blender|
	house|apartment|roof|window|door|furniture|sofa|lamp|carpet|closet|garage|basement|neighborhood|street|highway|
	traffic|parking|ticket|passport|luggage|map|compass|tent|backpack|boat|canoe|harbor|lighthouse|beach|desert|
	volcano|earthquake|glacier|climate|pollution|recycling|plastic|energy|electricity|solar panel|wind farm|fuel|
	gasoline|carbon|emission|ecosystem|species|habitat|wildlife|insect|fungus|bacteria|cell|gene|protein|molecule|atom|
	element|experiment|hypothesis|theory|evidence|survey|statistics|graph paper|spreadsheet|report|summary|timeline|
	history|empire|king|queen|revolution|war|treaty|monument|castle|temple|philosopher|scientist|inventor|artist|poet|
	composer|architect|engineer|doctor|nurse|lawyer|judge|farmer|chef|baker|pilot|sailor|soldier|detective|journalist|
	photographer|designer|programmer|developer|tester|user|client|supplier|shop|store|mall|warehouse|delivery|package|
	email|message|letter|invitation|complaint|review|rating|feedback|question|answer|quiz|exam|lesson|course|degree|
	university|scholarship|homework|notebook|pencil|calendar|schedule|deadline|goal|plan|strategy|risk|opportunity|
	problem|solution|decision|mistake|lesson plan|checklist|tutorial|manual|guide|instruction|rule|standard|benefit|
	challenge|trend|innovation|invention|tool|machine|device|appliance|software|app|platform|video game|podcast|blog|
	channel|audience|fan|celebrity|actor|director|script|scene|character|villain|hero|myth|legend|fairy tale|story|
	anchor|apron|arch|arrow|attic|avalanche|badge|balcony|ballot|bandage|barn|barrel|basket|beacon|bench|blanket|
	blizzard|bolt|boulder|bracelet|brick|broom|bucket|buffet|bulb|cabin|cable|cactus|canal|candle|canyon|carriage|
	cartoon|cathedral|cavern|cellar|ceremony|chimney|circuit|cliff|clock|cloud|coin|collar|comet|cottage|crater|
	crown|curtain|cushion|dam|dashboard|diamond|diary|dock|dome|dragon|dune|eagle|easel|elevator|envelope|fabric|
	fence|ferry|fiddle|flag|flute|fountain|fox|frog|furnace|gadget|gate|gem|glove|goat|gorilla|granite|guitar case|
	hammer|hammock|harp|hat|helmet|hive|hook|hurricane|igloo|ink|jacket|jar|jewel|jungle|kettle|kite|ladder|lagoon|
	lantern|lava|lemon|lens|lizard|lock|loom|magnet|mango|marble|mask|meadow|meteor|mirror|moss|mosaic|moth|mural|
	napkin|needle|nest|oasis|octopus|orchestra|paddle|palace|parachute|parrot|pasture|pebble|pendulum|pepper|pier|
	pillow|pipe|plateau|plum|pond|porch|pottery|prism|pumpkin|puppet|pyramid|quarry|quilt|rabbit|raft|rainbow|reef|
	ribbon|ring|rope|saddle|scarf|scroll|shelf|shell|shovel|shrine|silk|skyscraper|sled|snail|sponge|squirrel|
	stable|statue|steam|stove|submarine|suitcase|swamp|sword|tablet|tapestry|telegraph|thermometer|thread|throne|
	tide|tile|torch|tower|tractor|trail|tram|trumpet|tunnel|turbine|turtle|umbrella|valley|vase|velvet|violet|
	wagon|wallet|walrus|waterfall|wheel|whistle|windmill|wolf|wool|workshop|yacht|yarn|zebra|zipper|almond|avocado|
	bagel|barley|basil|biscuit|broth|butter|cabbage|carrot|cashew|celery|cherry|cinnamon|coconut|cucumber|curry|
	garlic|ginger|honey|lentil|lettuce|melon|mushroom|mustard|oatmeal|olive|onion|pancake|peanut|pear|pickle|
	potato|radish|raisin|spinach|tofu|tomato|turnip|vanilla|walnut|yogurt|accountant|astronomer|barber|biologist|
	carpenter|cashier|chemist|economist|electrician|florist|geologist|jeweler|linguist|locksmith|mechanic|midwife|
	plumber|potter|surgeon|tailor|translator|veterinarian|zoologist|algebra|anatomy|archaeology|astronomy|botany|
	calculus|chemistry|ecology|ethics|geometry|linguistics|logic|meteorology|optics|physics|psychology|sociology`);

const ADJECTIVES = words(`
	new|old|small|large|local|global|modern|ancient|simple|complex|cheap|expensive|healthy|popular|rare|common|quiet|
	noisy|busy|lazy|clever|friendly|rude|honest|famous|unknown|digital|traditional|urban|rural|sustainable|renewable|
	dangerous|safe|fast|slow|efficient|creative|boring|exciting|funny|serious|formal|casual|personal|professional|
	public|private|online|offline|remote|crowded|empty|fresh|frozen|spicy|sweet|sour|bitter|colorful|dark|bright|
	tiny|huge|tall|short|young|elderly|international|national|regional|historic|scientific|medical|financial|legal|
	political|economic|social|cultural|environmental|educational|technical|practical|theoretical|emotional|physical|
	mental|visual|musical|artistic|athletic|electric|solar|organic|vegetarian|vegan|handmade|luxury|affordable|
	seasonal|weekly|daily|annual|first|last|best|worst|main|major|minor|hidden|secret|strange|unusual|typical|ideal|
	abstract|accurate|adventurous|ambitious|anxious|awkward|bold|brave|brittle|calm|careful|charming|cheerful|chilly|
	clumsy|cozy|crisp|curious|damp|delicate|dusty|eager|elegant|enormous|fierce|fluffy|fragile|gentle|gloomy|
	graceful|greasy|grumpy|hollow|humble|icy|jolly|lively|lonely|loyal|magnificent|messy|mighty|muddy|mysterious|
	narrow|nervous|nimble|peaceful|plain|polite|precious|proud|quaint|rapid|restless|ripe|rusty|shiny|silent|silly|
	sleepy|slippery|smooth|sparkling|steep|sticky|stormy|sturdy|tender|thirsty|tidy|vast|vivid|wealthy|wild|witty|
	wooden|zealous|automated|biodegradable|carbon-neutral|collaborative|decentralized|energy-efficient|interactive|
	low-cost|multilingual|open-source|portable|recyclable|wireless|accessible|inclusive|minimalist|nostalgic`);

const VERBS = words(`
	improve|reduce|organize|design|build|fix|plan|choose|compare|explain|describe|promote|protect|clean|cook|paint|
	repair|manage|sell|buy|rent|teach|learn|measure|test|review|translate|summarize|decorate|recycle|train|motivate|
	schedule|launch|market|advertise|invest in|apply for|prepare for|celebrate|visit|explore|study|analyze|evaluate|
	predict|prevent|grow|start|finish|update|upgrade|secure|share|document|present|negotiate|insure|finance|host|
	assemble|bake|borrow|brew|calibrate|catalog|coordinate|customize|debug|decode|defend|deliver|digitize|donate|
	draft|edit|engrave|estimate|feed|film|forecast|frame|harvest|illustrate|inspect|install|interview|knit|label|
	memorize|mentor|mix|monitor|navigate|paint over|patch|photograph|pitch|polish|preserve|publish|rebuild|record|
	refurbish|rehearse|relocate|renovate|replace|restore|rewrite|sketch|sort|sponsor|store|survey|tune|wrap|water`);

const TOPICS = words(`
	climate change|the french revolution|machine learning|remote work|urban gardening|the water cycle|photosynthesis|
	social media|renewable energy|the stock market|ancient rome|space exploration|healthy eating|public transportation|
	the internet|artificial intelligence|ocean pollution|volcanoes|the human brain|electric cars|online privacy|
	the olympic games|coffee culture|minimalism|time management|the cold war|black holes|the immune system|jazz music|
	video game design|quantum computing|the renaissance|global trade|vaccines|honeybees|deforestation|cryptocurrency|
	mindfulness|the printing press|tidal energy|the great depression|cloud computing|plate tectonics|the silk road|
	sleep hygiene|coral reefs|gene editing|the moon landing|inflation|public libraries|the industrial revolution|
	dinosaurs|nuclear fusion|microplastics|small businesses|the periodic table|first aid|the solar system|wildfires|
	folk music|chess openings|marathon training|the metric system|rainforests|bread baking|the theory of evolution|
	antibiotics|3d printing|desert ecosystems|self-driving cars|the gig economy|language learning|hurricanes|
	organic farming|stand-up comedy|the byzantine empire|graphic novels|smart homes|the amazon river|urban planning|
	the panama canal|street food|the human genome|password security|mountain climbing|origami|fermentation|
	the gold rush|migratory birds|online education|carbon taxes|the mediterranean diet|baroque architecture|
	the aztec empire|ocean currents|the ottoman empire|bird migration|cyber security|the great wall of china|
	photosynthetic algae|the ice age|social justice|the suez canal|medieval castles|the viking age|wind energy|
	the ming dynasty|urban heat islands|the human microbiome|noise pollution|fast fashion|space debris|the ozone layer|
	the french impressionists|the apollo program|the nile delta|sign language|the history of jazz|quantum mechanics|
	the federal reserve|the roaring twenties|the arctic tundra|bioluminescence|the byzantine mosaics|sustainable tourism|
	the dust bowl|autonomous drones|the green revolution|virtual reality|the steam engine|the magna carta|the euro|
	the hanseatic league|permaculture|the printing of books|the cuban missile crisis|the spanish flu|the internet of things|
	the human heart|deep sea creatures|the greek myths|the transcontinental railroad|the mayan calendar|climate refugees`);

const TEXT_TYPES = words(`
	story|poem|essay|blog post|speech|news article|product description|cover letter|haiku|limerick|song|dialogue|
	review|press release|biography|movie plot|fairy tale|tweet|slogan|riddle|sonnet|diary entry|travel guide|fable|
	joke|job description|short play|newsletter|thank-you note|opening paragraph`);

const AUDIENCES = words(`
	children|beginners|senior citizens|college students|busy parents|software engineers|tourists|small business owners|
	nurses|teenagers|new employees|retirees|first-time voters|investors|farmers|teachers|scientists|gamers|musicians|
	nonnative speakers|kindergarten teachers|hikers|pet owners|city officials|engineering students|job seekers`);

const ROLES = words(`
	scientist|painter|composer|inventor|explorer|novelist|mathematician|architect|athlete|chef|poet|philosopher|
	entrepreneur|astronaut|engineer|activist|historian|photographer|detective|pilot|teacher|doctor|gardener|librarian|
	judge|sailor|farmer|journalist|diplomat|comedian`);

const PREPOSITIONS = words('for|with|from|near|in|without|behind|under|beside|inside|like|about');
const LANGUAGES = words('french|spanish|german|italian|japanese|portuguese|korean|dutch|swahili|hindi|turkish|polish|greek|russian');
const STYLES = words('formal|concise|polite|persuasive|engaging|professional|friendly|academic|optimistic|vivid|neutral|playful|inclusive|clear|poetic|sarcastic');
const NUMBERS = words('3|5|two|three|four|five|ten|seven|six|2|4|10|20|eight|12|100|nine|fifteen');
const LABELS = words(`
	positive or negative|fact or opinion|formal or informal|spam or not spam|sarcastic or sincere|urgent or not urgent|
	true or false|happy, sad or neutral|a question or a statement|literal or figurative|biased or neutral|
	relevant or irrelevant|safe or unsafe|easy, medium or hard`);

/**
 * Task templates in the styles of the Self-Instruct and Alpaca data. "(a/b/c)" picks one
 * wording. Slots: {np} a noun phrase, {np2} another, {topic}, {vp} a verb phrase, {text} a text
 * type, {aud} an audience, {n} a number, {role}, {name} an invented person, {place} an invented
 * place, {lang}, {style}, {labels}, {adj}, {ctx} a context, {sentence} a short input sentence.
 */
const TEMPLATES = words(`
	(Write/Compose/Draft/Create) a {style} {text} about {topic} for {aud}. |
	(Write/Compose/Create) a {text} (about/involving/featuring) {np} and {np2}. |
	(Generate/Make/Give me/Come up with) a list of {n} (ideas/ways/suggestions/options) to {vp} {ctx}. |
	(Give me/Share/Provide/List) {n} (tips/pieces of advice/suggestions) on how to {vp} {ctx}. |
	(Explain/Describe/Discuss/Tell me) how {np} (affects/influences/changes/is related to) {np2}. |
	(Explain/Describe/Introduce/Teach) {topic} to {aud} in {n} (sentences/paragraphs/steps/bullet points). |
	(Summarize/Condense/Shorten/Paraphrase) the (following/given/attached) {text} about {np} for {aud}. |
	(Classify/Label/Categorize/Tag) the (following/given/input) {text} about {np} as {labels}. |
	Given a {text} about {np}, (decide/determine/tell me/judge) whether it is {labels}. |
	(Translate/Render/Convert) the (following/given) sentence about {np} into {lang}: {sentence} |
	(Rewrite/Rephrase/Edit/Revise) (this/the following/the given) sentence (so that it sounds/to make it/so it is) more {style}: {sentence} |
	(Describe/List/Explain/Outline) the {adj} (features/aspects/properties/qualities) of {np} {ctx}. |
	(Compare/Contrast/Weigh) {np} (with/against/and) {np2} (for/from the point of view of) {aud}. |
	What are the (main/key/biggest/most important) (differences/similarities/trade-offs) between {np} and {np2}? |
	What is the (best/easiest/cheapest/fastest/safest) way to {vp} {ctx}? |
	How (can/should/could/would) (I/we/a {role}/{aud}) {vp} without {vp2}? |
	Why (do/might/would) {aud} (like/dislike/need/avoid/care about) {np} {ctx}? |
	(Suggest/Propose/Think of/Invent) a (name/title/nickname/tagline) for {np} that {aud} would (like/remember/enjoy). |
	(Create/Write/Invent/Design) a {style} (slogan/motto/headline/jingle) for {np} in {place}. |
	(Design/Sketch out/Plan/Propose) a {adj} {np} for {aud} in {place}. |
	(Plan/Organize/Prepare) a {adj} (day trip/weekend/holiday/visit) to {place} for {aud} {ctx}. |
	(Tell me about/Write a short profile of/Introduce/Describe) {name}, the {adj} {role} from {place}. |
	(Pretend/Imagine/Suppose) you are a {role} in {place}. (Describe/Explain/Tell me) how you would {vp}. |
	Imagine that {np} could (talk/think/vote/dream). What would it (say/think/feel) about {topic}? |
	(Make/Write/Prepare/Compile) a list of {n} {adj} questions about {topic} for {aud}. |
	(Find/Identify/Underline/Pick out) the (adjectives/verbs/nouns/main subject) in (this/the following) sentence: {sentence} |
	(Correct/Fix/Check/Proofread) the (grammar/spelling/punctuation/word order) of (this/the following) sentence: {sentence} |
	(Identify/Find/State/Extract) the (main idea/key argument/central theme/moral) of the {text} about {np} and explain it to {aud}. |
	(Propose/Suggest/Recommend/List) {n} (ways/strategies/measures/steps) to {vp} in {place}. |
	(Predict/Guess/Estimate/Speculate about) what (will/would/might/could) happen to {np} if {np2} (disappears/doubles/fails/changes). |
	(Draft/Write/Compose/Prepare) (an email/a letter/a message/a memo) to {name} about {np} {ctx}. |
	(Outline/Sketch/Draft/Describe) a {adj} plan to {vp} within {n} (days/weeks/months/years). |
	(Come up with/Write/Invent/Create) a {text} that (includes/mentions/features/uses) {np}, {np2} and {topic}. |
	Is it (a good idea/wise/safe/worth it/realistic) to {vp} {ctx}? (Explain why/Give reasons/Justify your answer/Discuss). |
	(List/Name/Give/Share) {n} (facts/myths/statistics/stories) about {topic} that {aud} (may not know/often get wrong/would enjoy). |
	(Give/Provide/Offer/Show) an example of {np} and (explain/justify/describe/defend) your choice. |
	(Rank/Order/Sort/Rate) (these/the following) items from best to worst for {aud}: {np}, {np2}, {np}. |
	(Adapt/Convert/Change/Scale) the recipe for {np} so it serves {n} people {ctx}. |
	(Answer/Respond to) the question (using/based on) the passage about {topic}: why is {np} {adj}? |
	(Create/Write/Design/Make) a (quiz/test/crossword/trivia game) with {n} questions about {topic} for {aud}. |
	(Analyze/Assess/Examine/Discuss) the {adj} (impact/influence/effect/role) of {topic} on {np}. |
	(Brainstorm/List/Suggest/Invent) {n} {adj} (uses/applications/purposes/jobs) for {np} {ctx}. |
	(Provide/Write/Give/Create) a step-by-step (guide/tutorial/walkthrough/checklist) (to/on how to/explaining how to) {vp}. |
	(Evaluate/Assess/Critique/Examine) the (argument/claim/statement/idea) that {np} is more {adj} than {np2}. |
	(Develop/Create/Design/Suggest) a {adj} (routine/schedule/program/habit) for {aud} who want to {vp}. |
	(Choose/Pick/Select/Recommend) the {adj} option (to/for those who want to) {vp}: {np} or {np2}? |
	(Explain/Argue/Tell me/Describe) why {aud} should (care about/learn about/worry about/invest in) {topic}. |
	(Write/Create/Script/Compose) a (dialogue/conversation/debate/interview) between a {role} and a {role2} about {np}. |
	(Describe/Portray/Characterize/Depict) {np} using {n} (adjectives/metaphors/similes/emojis). |
	Solve (this/the following) (math/word) problem: {name} has {n} {noun}s and gives {n2} to {np}. How many are left? |
	(Calculate/Compute/Work out/Estimate) the (total cost/average price/monthly budget) of {n} {noun}s at {n2} dollars each. |
	(Write/Create/Give) a SQL query that (selects/counts/lists) all {noun}s (from/in) the {noun2} table where {noun3} is {adj}. |
	(Find/Spot/Explain) the bug in this (function/snippet/loop) that (sorts/filters/counts) {noun}s by {noun2}. |
	(Extract/Pull out/List) all (dates/names/numbers/places) mentioned in the {text} about {np}. |
	(Fill in/Complete) the blank: {np} is to {np2} as {np3} is to ___. |
	(Generate/Write/Suggest) {n} (hashtags/keywords/tags) for a post about {np} {ctx}. |
	(Turn/Convert/Rewrite) (this/the following) list into a (table/paragraph/timeline/outline): {np}, {np2}, {np3}. |
	Which (one/item/word) does not belong: {noun}, {noun2}, {noun3} or {noun4}? (Explain/Justify) your answer. |
	(Recommend/Suggest/Pick) {n} {text}s for {aud} who (enjoy/love/are interested in) {topic}. |
	(Paraphrase/Reword/Simplify) the (proverb/idiom/saying) "{sentence}" for {aud}. |
	(Detect/Identify/Determine) the (sentiment/tone/emotion/intent) of this (review/message/comment): {sentence} |
	(Create/Write/Draft) a (packing list/checklist/to-do list/shopping list) for {aud} going to {place} {ctx}. |
	(Write/Compose/Draft) a (job posting/cover letter/reference letter/resignation letter) for a {adj} {role} (position/job) at {name}. |
	(Explain/Describe/Summarize) the (history/origin/evolution/future) of {np} in {n} (sentences/words/paragraphs). |
	What (would/could/might) happen if {np} (replaced/disappeared from/took over) {np2}? |
	(Give/Write/Provide) a (counterargument/rebuttal/response) to the claim that {np} (is/was/will be) {adj}. |
	(Sort/Group/Organize) these {noun}s by (size/color/price/age/importance): {np}, {np2}, {np3}. |
	(Name/List/Identify) {n} (famous/important/lesser-known) {role}s who (worked on/wrote about/studied) {topic}. |
	(Compose/Write/Create) a (tweet/text message/headline/caption) announcing {np} {ctx}. |
	(Estimate/Guess/Predict) how (long/much/many) it (takes/costs/needs) to {vp} {ctx}. |
	(Design/Create/Plan) a (game/activity/experiment/workshop) that teaches {aud} about {topic}. |
	(Write/Create/Compose) a (recipe/menu/meal plan) (using/with/based on) {noun}, {noun2} and {noun3}. |
	(Suggest/Propose/Give) a (catchy/memorable/short/funny) (title/name/slogan) for a {text} about {np}. |
	(Interpret/Explain/Analyze) the (meaning/message/symbolism) of {np} in the {text} by {name}. |
	(Convert/Change/Transform) the sentence "{sentence}" into (passive voice/a question/the future tense/reported speech). |
	(Generate/Write/Create) an (analogy/acronym/mnemonic/metaphor) to (remember/explain/teach) {concept}. |
	(List/Give/Name) the (pros and cons/costs and benefits/risks and rewards) of {vp} {ctx}. |
	(Plan/Outline/Design) a (budget/timeline/schedule/itinerary) for {name} to {vp} {ctx}. |
	(Write/Create/Compose) a short (biography/profile/obituary/introduction) of {name}, a {adj} {role} from {place}. |
	(Describe/Explain/Outline) (step by step/in detail/briefly/simply) how to {vp} using {np}. |
	(Compare/Contrast/Rank) {n} (ways/methods/approaches/tools) to {vp}, (from best to worst/by cost/by difficulty). |
	(Identify/Name/Guess) the {role} (described/mentioned/hinted at) in this riddle: {sentence} |
	(Create/Write/Make) a {n}-question (survey/poll/questionnaire/interview) about {np} for {aud}. |
	(Summarize/Explain/Describe) the (plot/main events/ending/conflict) of a (novel/movie/play/legend) about {np}. |
	(Suggest/Recommend/List) {n} (books/podcasts/websites/courses) for learning about {topic}. |
	(Write/Create/Give) {n} (questions/prompts/topics) for a (debate/discussion/essay/interview) on {topic}. |
	(Translate/Explain/Decode) the (slang/jargon/technical term/abbreviation) "{rare}" for {aud}. |
	(Assess/Rate/Score/Judge) the (clarity/accuracy/persuasiveness/tone) of this sentence on a scale of 1 to {n}: {sentence}`);

/** Openings some instructions start with. */
const LEADS = words(`
	Please|Can you|Could you|I need you to|Your task is to|Help me|As a {role},|For my {adj} {np},|
	In {lang},|Quickly|If possible,|For {aud},|Using {topic} as an example,|In the style of a {role},|
	Before {vp2},|I want to {vp2}.|My {role} friend asked me to|For a project on {topic},`);

/** Optional context phrases for {ctx}. */
const CONTEXTS = words(`
	at work|at home|in a small apartment|during winter|on a tight budget|without a car|in under an hour|while traveling|
	in a rural town|as a student|after retirement|in a noisy office|with limited internet|for the first time|
	on weekends|in a big city|with young kids|before an exam`);

/** Optional follow-up sentences (a minority of instructions have one). */
const FOLLOW_UPS = words(`
	Keep it under {n} words.|Use {style} language.|Include at least one example.|Explain your reasoning.|
	Use bullet points.|Avoid technical terms.|Mention {name} once.|End with a question.|Output a table.|
	Write it for {aud}.|Focus on the {adj} aspects.|Use no more than {n} sentences.|
	Make sure to mention {np}.|Compare it with {np}.|Assume the reader is a {role}.|Add a note about {topic}.|
	Keep a {style} tone throughout.|Think about {np} and {np2}.|Do not mention {topic}.|Answer in {lang}.`);

// Invented proper names give the long tail of rare words that real instructions have.
const SYLLABLES = words('ka|lo|mi|ra|ten|vel|dor|an|is|qua|bre|zen|tor|li|ma|ro|sa|vin|cal|dru|pho|nex|ul|ber|gan|tis|mer|ova|sel|kir');

function makeGenerator(seed: number) {
	const random = rng(seed);
	const uniform = <T>(list: T[]): T => list[Math.floor(list.length * random())];
	// Zipf-like: log-uniform rank (P(rank r) ∝ 1/r) half of the time, uniform otherwise.
	const zipf = <T>(list: T[]): T =>
		random() < 0.5 ? list[Math.floor(Math.exp(random() * Math.log(list.length + 1))) - 1] : uniform(list);
	const name = () => {
		let s = '';
		const k = 2 + Math.floor(random() * 2);
		for (let i = 0; i < k; i++) s += uniform(SYLLABLES);
		return s[0].toUpperCase() + s.slice(1);
	};
	// Real instructions have a long tail of rare words (half of the Alpaca sample's distinct
	// tokens occur once): some nouns are invented words, some numbers are arbitrary.
	const rareWord = () => {
		let w = '';
		const k = 2 + Math.floor(random() * 3);
		for (let i = 0; i < k; i++) w += uniform(SYLLABLES);
		return w;
	};
	const noun = () => (random() < 0.3 ? rareWord() : zipf(NOUNS));
	const adjective = () => (random() < 0.12 ? rareWord() + uniform(words('ic|al|ish|ous|ive')) : zipf(ADJECTIVES));
	const nounPhrase = (): string => {
		const r = random();
		const det = r < 0.5 ? 'the ' : r < 0.8 ? 'a ' : '';
		let np = det + (random() < 0.6 ? adjective() + ' ' : '') + (random() < 0.15 ? zipf(NOUNS) + ' ' : '') + noun();
		const r2 = random();
		if (r2 < 0.2) np += ' of ' + (random() < 0.5 ? zipf(TOPICS) : 'the ' + zipf(NOUNS));
		else if (r2 < 0.45) np += ` ${uniform(PREPOSITIONS)} ${uniform(words('the|a|every|my|our'))} ${zipf(ADJECTIVES)} ${zipf(NOUNS)}`;
		return np.replace(/^a ([aeiou])/, 'an $1');
	};
	const verbPhrase = () => zipf(VERBS) + ' ' + nounPhrase();
	const sentence = () => {
		const s = `${nounPhrase()} ${uniform(words('is|was|seems|became'))} ${zipf(ADJECTIVES)} ${uniform(words('because of|after|despite|thanks to'))} ${nounPhrase()}.`;
		return s[0].toUpperCase() + s.slice(1);
	};
	const slot = (key: string): string => {
		switch (key) {
			case 'np':
			case 'np2':
			case 'np3':
				return nounPhrase();
			case 'noun':
			case 'noun2':
			case 'noun3':
			case 'noun4':
				return noun();
			case 'n2':
				return String(1 + Math.floor(random() * 30));
			case 'concept':
				return random() < 0.5 ? zipf(TOPICS) : nounPhrase();
			case 'rare':
				return rareWord();
			case 'vp':
			case 'vp2':
				return verbPhrase();
			case 'topic':
				return random() < 0.6 ? zipf(TOPICS) : nounPhrase();
			case 'text':
				return zipf(TEXT_TYPES);
			case 'aud':
				return zipf(AUDIENCES);
			case 'n':
				return random() < 0.2 ? String(2 + Math.floor(random() * 500)) : zipf(NUMBERS);
			case 'role':
			case 'role2':
				return zipf(ROLES);
			case 'name':
				return name() + ' ' + name();
			case 'place':
				return random() < 0.5 ? name() : 'the town of ' + name();
			case 'lang':
				return zipf(LANGUAGES);
			case 'style':
				return zipf(STYLES);
			case 'labels':
				return zipf(LABELS);
			case 'adj':
				return adjective();
			case 'ctx':
				return zipf(CONTEXTS);
			case 'sentence':
				return sentence();
			default:
				throw new Error(`unknown slot ${key}`);
		}
	};
	const fill = (template: string) =>
		template
			.replace(/\(([^()]*\/[^()]*)\)/g, (_, options: string) => uniform(options.split('/')))
			.replace(/\{(\w+)\}/g, (_, key: string) => slot(key));
	const instruction = () => {
		let text = fill(uniform(TEMPLATES));
		if (random() < 0.3) {
			const lead = fill(uniform(LEADS));
			text = `${lead} ${text[0].toLowerCase()}${text.slice(1)}`;
		}
		if (random() < 0.35) text += ' ' + fill(uniform(FOLLOW_UPS));
		return text[0].toUpperCase() + text.slice(1);
	};
	/** An earlier instruction with one or two small edits: a planted near-duplicate. */
	const nearCopy = (original: string): string => {
		const ws = original.split(' ');
		const edits = 1 + Math.floor(random() * 2);
		for (let e = 0; e < edits; e++) {
			const at = Math.floor(random() * ws.length);
			const kind = random();
			if (kind < 0.3 && ws.length > 5) ws.splice(at, 1);
			else if (kind < 0.6) ws.splice(at, 0, uniform(words('please|also|quickly|really|carefully|briefly')));
			else if (kind < 0.8) ws[at] = zipf(ADJECTIVES);
			else if (at + 1 < ws.length) [ws[at], ws[at + 1]] = [ws[at + 1], ws[at]];
		}
		const text = ws.join(' ');
		return text[0].toUpperCase() + text.slice(1);
	};
	return { random, instruction, nearCopy };
}

/** `count` candidate instructions, `plantedShare` of them near-copies of earlier ones. */
function makeStream(count: number, seed: number, plantedShare = 0.03): string[] {
	const g = makeGenerator(seed);
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		if (i > 10 && g.random() < plantedShare) out.push(g.nearCopy(out[Math.floor(g.random() * out.length)]));
		else out.push(g.instruction());
	}
	return out;
}

// ---------------------------------------------------------------------------------------------

const THRESHOLD = 0.7;
const TOP_K = 10;

function gc() {
	(globalThis as { gc?: () => void }).gc?.();
}

function kernelBenchmark(): void {
	console.log('LCS kernel (token-id pairs from the generated instructions)');
	const stream = makeStream(4000, 7);
	const vocab = new Vocabulary();
	const seqs = stream.map((s) => vocab.internAll(tokenize(s)));
	const long = Array.from({ length: 200 }, (_, i) => vocab.internAll(tokenize(stream.slice(i * 8, i * 8 + 8).join(' '))));
	for (const [label, data] of [
		[`instructions (${(seqs.reduce((a, s) => a + s.length, 0) / seqs.length).toFixed(1)} tokens on average)`, seqs],
		[`long texts (${(long.reduce((a, s) => a + s.length, 0) / long.length).toFixed(0)} tokens on average, multi-word)`, long]
	] as const) {
		const pattern = new PatternBuffer();
		let checksum = 0;
		let pairs = 0;
		let start = performance.now();
		while (performance.now() - start < 1000) {
			for (let i = 0; i < data.length; i++) {
				pattern.set(data[i]);
				for (let k = 1; k <= 50; k++) checksum += pattern.lcs(data[(i + k * 37) % data.length]);
				pairs += 50;
			}
		}
		const bitRate = (pairs / (performance.now() - start)) * 1000;
		let dpChecksum = 0;
		let dpPairs = 0;
		start = performance.now();
		while (performance.now() - start < 1000) {
			for (let i = 0; i < data.length && performance.now() - start < 1000; i++) {
				for (let k = 1; k <= 50; k++) dpChecksum += lcsLengthDp(data[i], data[(i + k * 37) % data.length]);
				dpPairs += 50;
			}
		}
		const dpRate = (dpPairs / (performance.now() - start)) * 1000;
		void checksum;
		void dpChecksum;
		console.log(
			`  ${label}: bit-parallel ${fmt(bitRate)} pairs/s, plain DP ${fmt(dpRate)} pairs/s (×${(bitRate / dpRate).toFixed(1)})`
		);
	}
}

interface Decision {
	keep: boolean;
	max: number | null;
	top: string;
}

const decisionOf = (r: { exceeds: boolean; max: { score: number } | null; matches: { entry: number; score: number }[] }): Decision => ({
	keep: !r.exceeds,
	max: r.exceeds ? r.max!.score : null,
	top: r.matches.map((m) => `${m.entry}:${m.score}`).join(',')
});

function cpuMs(since: NodeJS.CpuUsage): number {
	const u = process.cpuUsage(since);
	return (u.user + u.system) / 1000;
}

/**
 * The filter loop with the index over the whole stream, then with the exhaustive scan over its
 * first `prefix` candidates; the decisions (keep, exact maximum, top-k) must be identical.
 */
function filterBenchmark(
	label: string,
	stream: string[],
	seeds: string[],
	prefix: number,
	target?: { seconds: number; peakMb?: number }
): void {
	gc();
	const total = stream.length;
	const tokens = stream.reduce((a, s) => a + tokenize(s).length, 0) / total;
	console.log(`\n${label}: ${fmt(total)} candidates, ${tokens.toFixed(1)} tokens on average, pool seeded with ${seeds.length} (threshold ${THRESHOLD})`);

	const rssBefore = peakRssMb();
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	const index = new NearDuplicateIndex({ minThreshold: THRESHOLD });
	for (const s of seeds) index.add(s);
	let kept = 0;
	let pairsByScan = 0; // pairs the exhaustive scan compares over the whole stream
	let verified = 0;
	const indexDecisions: Decision[] = [];
	for (let i = 0; i < total; i++) {
		const p = index.prepare(stream[i]);
		pairsByScan += index.size;
		const r = index.query(p, THRESHOLD, TOP_K);
		verified += r.verified;
		if (i < prefix) indexDecisions.push(decisionOf(r));
		if (!r.exceeds) {
			index.add(p);
			kept++;
		}
	}
	const indexMs = performance.now() - t0;
	const indexCpu = cpuMs(cpu0);
	console.log(
		`  index:            ${fmt(indexMs / 1000, 2)} s (CPU ${fmt(indexCpu / 1000, 2)} s), peak RSS ${fmt(peakRssMb())} MB (${fmt(rssBefore)} MB before); ` +
			`kept ${fmt(kept)}, rejected ${((100 * (total - kept)) / total).toFixed(1)}%; ` +
			`LCS computed for ${fmt(verified)} pairs = ${((100 * verified) / pairsByScan).toFixed(4)}% of the ${fmt(pairsByScan)} a scan compares`
	);

	gc();
	const pool = new ExhaustivePool();
	for (const s of seeds) pool.add(s);
	let pairs = 0;
	let mismatches = 0;
	const t2 = performance.now();
	for (let i = 0; i < prefix; i++) {
		pairs += pool.size;
		const r = pool.query(stream[i], THRESHOLD, TOP_K);
		const d = decisionOf(r);
		const mine = indexDecisions[i];
		if (d.keep !== mine.keep || d.max !== mine.max || d.top !== mine.top) mismatches++;
		if (!r.exceeds) pool.add(stream[i]);
	}
	const scanMs = performance.now() - t2;
	const wholeScan = (scanMs / pairs) * pairsByScan;
	console.log(
		`  exhaustive scan:  first ${fmt(prefix)} candidates in ${fmt(scanMs)} ms (${fmt((pairs / scanMs) * 1000)} pairs/s, same bit-parallel kernel) ` +
			`→ whole stream ≈ ${fmt(wholeScan / 1000, 1)} s, ${fmt(wholeScan / indexMs, 0)}× the index; ` +
			`rouge_score at 36,000 pairs/s/core ≈ ${fmt(pairsByScan / 36000 / 3600, 1)} core-hours`
	);
	console.log(
		`  check:            decisions, exact maxima and top-${TOP_K} of index and scan on the first ${fmt(prefix)}: ` +
			(mismatches === 0 ? 'identical' : `${mismatches} MISMATCHES`)
	);
	if (mismatches) process.exitCode = 1;
	if (target) {
		const peak = peakRssMb();
		const timeOk = indexMs / 1000 <= target.seconds;
		const memoryOk = target.peakMb === undefined || peak < target.peakMb;
		console.log(
			`  target:           ≤ ${target.seconds} s${target.peakMb ? ` and peak < ${fmt(target.peakMb)} MB` : ''}: ` +
				`${timeOk && memoryOk ? 'met' : 'MISSED'} (wall ${fmt(indexMs / 1000, 2)} s, CPU ${fmt(indexCpu / 1000, 2)} s, peak ${fmt(peak)} MB; ` +
				`wall time counts other processes on this shared machine, CPU time does not)`
		);
	}
}

/** The whole self-instruct preset (every instruction rule, then ROUGE-L) over the 52K stream. */
function presetBenchmark(stream: string[], seeds: string[]): void {
	gc();
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	const run = runFilters(
		stream.map((instruction, i) => ({ id: i, instruction, instances: [] })),
		filterPreset('self-instruct'),
		{ seeds }
	);
	let kept = 0;
	let step = run.next();
	while (!step.done) {
		if (step.value.keep) kept++;
		step = run.next();
	}
	const removed = step.value.steps.filter((s) => s.removed > 0).map((s) => `${s.rule} ${fmt(s.removed)}`);
	console.log(
		`  self-instruct preset (all instruction rules, then ROUGE-L): ${fmt((performance.now() - t0) / 1000, 2)} s ` +
			`(CPU ${fmt(cpuMs(cpu0) / 1000, 2)} s), kept ${fmt(kept)}; removed: ${removed.join(', ')}`
	);
}

/** Real instructions, when the shared data sets sit beside the repository. */
function realSample(): string[] | null {
	const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/datasets/stanford_alpaca/alpaca_5000.json');
	if (!fs.existsSync(file)) return null;
	return (JSON.parse(fs.readFileSync(file, 'utf8')) as { instruction: string }[]).map((r) => r.instruction);
}

kernelBenchmark();
const seeds = makeStream(175, 1, 0);
const stream52 = makeStream(52_000, 52_000);
filterBenchmark('Generated stream (52K)', stream52, seeds, 3_000, { seconds: 2 });
presetBenchmark(stream52, seeds);
const real = realSample();
if (real) filterBenchmark('Real Alpaca instructions (the 5,000-record sample in shared/datasets)', real, seeds, real.length);
filterBenchmark('Generated stream (250K)', makeStream(250_000, 250_000), seeds, 2_000, { seconds: 20, peakMb: 1024 });
console.log(`\npeak RSS of the whole benchmark: ${fmt(peakRssMb())} MB`);
