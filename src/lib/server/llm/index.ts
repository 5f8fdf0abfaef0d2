/** Model calls: endpoints, the client (pacing + retries over the openai SDK), connection tests. */
export * from './endpoint';
export * from './errors';
export * from './retry';
export { ConcurrencyLimiter, TokenBucket } from './limits';
export * from './client';
export * from './test-connection';
