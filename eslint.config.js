import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "core/db/generated/", "next-env.d.ts", "test-results/", "playwright-report/", ".flexguard/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // core/ is the framework-free domain: nothing from Next, React, app/ or worker/.
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["next", "next/*", "react", "react-dom", "@/app/*", "@/worker/*", "../../app/*", "../../worker/*"] }],
    },
  },
  {
    // The emulator must not share our bugs: it imports nothing of core/.
    files: ["emulator/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["@/core/*", "../core/*", "../../core/*"] }] },
  },
);
