// Where the tests find Microsoft's published Azure API documents (OpenAPI specifications, their examples and the
// ARM template schemas), and which test files read them. They are not part of this repository: the team keeps them
// beside it at ../shared/azure/openapi; AZURE_OPENAPI_DIR names another place. Without them those files cannot run:
// vitest.config.ts leaves them out with one line saying so, unless AZURE_OPENAPI_REQUIRED=1 (set by .ci/run), in
// which case their absence fails the run.
import { existsSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The folder holding `specification/` (Azure REST specs) and `schemas/` (ARM template schemas). */
export const OPENAPI_DIR = path.resolve(ROOT, process.env.AZURE_OPENAPI_DIR || path.join("..", "shared", "azure", "openapi"));

/**
 * The test files that read Microsoft's documents (relative to the repository). A unit test checks that every file
 * importing this module or the ARM template schema validator is listed here.
 */
export const OPENAPI_TEST_FILES = [
  "tests/integration/emulator/conformance.test.ts",
  "tests/integration/templates/deploy-templates.test.ts",
  "tests/integration/templates/template-downloads.test.ts",
  "tests/unit/templates/hostile-names.test.ts",
  "tests/unit/templates/packs.test.ts",
  "tests/unit/templates/server-template.test.ts",
];

/** Null when the documents are there; otherwise the one line that says what is missing and what to do. */
export function openapiMissing(): string | null {
  if (existsSync(path.join(OPENAPI_DIR, "specification")) && existsSync(path.join(OPENAPI_DIR, "schemas"))) return null;
  return (
    `Microsoft's Azure OpenAPI documents were not found at ${OPENAPI_DIR} (set AZURE_OPENAPI_DIR to their folder): ` +
    `${OPENAPI_TEST_FILES.length} test files that check against them did not run (${OPENAPI_TEST_FILES.map((f) => path.basename(f)).join(", ")}).`
  );
}
