// Imported first by tests that want similarity records scanned in the worker thread from a pool
// of any size: it must run before anything reads the configuration.
process.env.RECORD_WORKER_FROM = '0';
