/**
 * The typed client lives in its own package, packages/client (@tierline/client,
 * an npm workspace); the CLI and the tests reach it through this re-export.
 */
export * from "@tierline/client";
