#!/usr/bin/env node
// The `flexguard` command: runs cli/main.ts through tsx, so the CLI is the same TypeScript the worker runs.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { register } from "tsx/esm/api";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
register({ tsconfig: join(root, "tsconfig.json") });
await import(join(root, "cli", "main.ts"));
