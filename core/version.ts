/** Flexguard's version, as named in user agents, template metadata and the CLI. Keep in step with package.json. */
export const FLEXGUARD_VERSION = "0.1.0";
