// zod compiles object schemas with `new Function` when it can, and probes for that once; under
// the Content-Security-Policy (no 'unsafe-eval') the probe is refused and reported as a policy
// violation. Its documented `jitless` switch skips the probe. Set through the global zod reads,
// so this entry chunk does not pull zod into every page.
const zodConfig = ((globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig ??= {});
zodConfig.jitless = true;

export {};
