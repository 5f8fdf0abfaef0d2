/**
 * Decoding parameters of each generation step, with the papers' values as defaults (see
 * shared PAPERS.md). Every value is editable per run; these constants are only the defaults.
 */

/**
 * The reference code sends top_p 0 with temperature 0; under greedy decoding top_p has no
 * effect, and vLLM rejects 0 (it wants (0, 1]), so greedy steps send 1.
 */
export const GREEDY_TOP_P = 1;

/** Sampling settings for one model call, in the OpenAI API's sense. */
export interface DecodingParams {
	maxTokens: number;
	temperature: number;
	topP: number;
	frequencyPenalty: number;
	presencePenalty: number;
	/** At most 4 sequences (the OpenAI API's limit). */
	stop?: string[];
	/** Completions per prompt. */
	n?: number;
	/** Number of top log-probabilities per token to return (completions: `logprobs`, chat: `top_logprobs`). */
	logprobs?: number;
}

/**
 * Self-Instruct instruction generation: max_tokens 1024, temperature 0.7, top_p 0.5,
 * frequency_penalty 0, presence_penalty 2 (pushes the model away from the shown tasks); stop at
 * a blank line or when the model starts item 16 (the prompt shows 8, the model adds up to 7).
 */
export const SELF_INSTRUCT_INSTRUCTION_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 1024,
	temperature: 0.7,
	topP: 0.5,
	frequencyPenalty: 0,
	presencePenalty: 2,
	stop: ['\n\n', '\n16', '16.', '16 .']
});

/** Self-Instruct classification identification: greedy, a "Yes"/"No" fits in 3 tokens. */
export const SELF_INSTRUCT_CLASSIFICATION_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 3,
	temperature: 0,
	topP: GREEDY_TOP_P,
	frequencyPenalty: 0,
	presencePenalty: 0,
	stop: ['\n', 'Task:']
});

/**
 * Self-Instruct instance generation: temperature 0, presence_penalty 1.5; stop when the model
 * starts a 6th example (at most 5 instances per task) or a new task. max_tokens: the reference
 * asks for 350 tokens for a batch without classification tasks, 300 otherwise — here the
 * input-first step (no classification task) gets 350, the output-first step 300.
 */
export const SELF_INSTRUCT_INSTANCE_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 350,
	temperature: 0,
	topP: GREEDY_TOP_P,
	frequencyPenalty: 0,
	presencePenalty: 1.5,
	stop: ['Example 6', 'Task:']
});

/** Self-Instruct output-first instance generation (classification tasks): max_tokens 300. */
export const SELF_INSTRUCT_CLASSIFICATION_INSTANCE_DECODING: Readonly<DecodingParams> = Object.freeze({
	...SELF_INSTRUCT_INSTANCE_DECODING,
	maxTokens: 300
});

/**
 * Unnatural Instructions core generation: nucleus sampling with top_p 0.99 "to favour
 * creativity". The paper does not state max_tokens; 300 holds the three fields comfortably.
 * With 3 demonstrations the model writes example 4; stop before it starts a 5th.
 */
export const UNNATURAL_CORE_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 300,
	temperature: 1,
	topP: 0.99,
	frequencyPenalty: 0,
	presencePenalty: 0,
	stop: ['Example 5']
});

/** Unnatural Instructions output generation: greedy decoding (temperature 0). */
export const UNNATURAL_OUTPUT_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 300,
	temperature: 0,
	topP: 1,
	frequencyPenalty: 0,
	presencePenalty: 0,
	stop: ['\n\nInstruction:', '\n\nExample']
});

/**
 * Unnatural Instructions template expansion: each call samples one new wording, so the step
 * uses the core step's nucleus sampling (top_p 0.99); a rephrasing is one line.
 */
export const UNNATURAL_EXPANSION_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 150,
	temperature: 1,
	topP: 0.99,
	frequencyPenalty: 0,
	presencePenalty: 0,
	stop: ['\n\n', '\nExample', '\nInstruction:']
});

/**
 * Alpaca (generate_instruction.py): temperature 1.0, top_p 1.0, max_tokens 3072, stop when the
 * model starts item 20 ("\n20", "20."). The reference also sends 5 prompts per request; here
 * each prompt is its own call.
 */
export const ALPACA_DECODING: Readonly<DecodingParams> = Object.freeze({
	maxTokens: 3072,
	temperature: 1,
	topP: 1,
	frequencyPenalty: 0,
	presencePenalty: 0,
	stop: ['\n20', '20.']
});

/** Unnatural Instructions: about 2 extra formulations per task (64K → ~240K examples). */
export const UNNATURAL_DEFAULT_REPHRASINGS = 2;

/** Self-Instruct keeps at most 5 instances per task. */
export const SELF_INSTRUCT_MAX_INSTANCES = 5;
