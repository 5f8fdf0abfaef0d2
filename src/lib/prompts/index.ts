/** Prompt building and reply parsing for both pipelines: pure functions, no I/O. */
export * from './template';
export * from './decoding';
export * from './shots';
export * from './self-instruct';
export * from './unnatural';
export * from './steps';
export * from './default-seeds';
export * from './unnatural-seeds';
export * from './judge';
export * from './judge-reply';
export * from './judge-steps';
export * from './reply-layout';
export * from './alpaca';
export * from './template-set';
