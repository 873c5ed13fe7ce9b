// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, and the layering
// as import rules (data flows one way: pins and layout -> constructs -> app -> cli; dev and bench
// sit on top). `npm run lint` runs it; a line-level disable names its reason after "--".
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** no-restricted-imports patterns for folders a layer must not import from. */
const notFrom = (folders, why) => ({
  "no-restricted-imports": ["error", { patterns: [{ group: folders.flatMap((f) => [`./${f}/*`, `../${f}/*`, `../../${f}/*`]), message: why }] }],
});

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "terrain/", "cdktf.out/", "bench-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Unused names fail the build already (tsconfig noUnusedLocals/noUnusedParameters); `_`-prefixed are deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Known debt, listed by file so it only shrinks: these read the engine's JSON (plan readings,
    // state) or the synthesized configuration as `any`. The cli/ files get typed readings with the
    // typed contracts of issue 14 item 4 (lane i14-contracts); the tests, typed views of the
    // synthesized JSON. A new file is not added here: type it, or disable one line with a reason.
    files: [
      "cli/engine-apply.ts",
      "cli/pg-state.ts",
      "cli/plan-summary.ts",
      "cli/saved-plan.ts",
      "__tests__/adversarial-pg-backend.test.ts",
      "__tests__/adversarial-plans-forged.test.ts",
      "__tests__/adversarial-state-permissions.test.ts",
      "__tests__/adversarial-tree-crash.test.ts",
      "__tests__/constructs.test.ts",
      "__tests__/e2e-pg-backend.test.ts",
      "__tests__/e2e-safety-faults.test.ts",
      "__tests__/gate-report.test.ts",
      "__tests__/orchestrator-config.test.ts",
      "__tests__/plan-summary.test.ts",
      "__tests__/resource-roles-upgrade.test.ts",
      "__tests__/resource-roles.test.ts",
      "__tests__/safety-constructs.test.ts",
      "__tests__/safety-modes.test.ts",
      "__tests__/shell-functions.test.ts",
      "__tests__/support/harness.ts",
      "__tests__/support/safety.ts",
      "__tests__/terrain-switch.test.ts",
      "__tests__/tree-observation.test.ts",
      "__tests__/verify.test.ts",
    ],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["constructs/**/*.ts"],
    rules: {
      ...notFrom(
        ["app", "cli", "dev", "bench", "pins"],
        "constructs take typed values; they import no app, operator, dev, bench or pinned data (pass it as a prop)",
      ),
      // A construct reports through the tree: Annotations.of(this).addWarning / addError, or a validation.
      "no-console": "error",
    },
  },
  {
    files: ["main.ts", "app/**/*.ts"],
    rules: notFrom(["cli", "dev", "bench"], "the app (main.ts, app/) imports no operator commands, dev scripts or bench"),
  },
  {
    files: ["cli/**/*.ts"],
    rules: notFrom(["dev", "bench"], "operator commands import no dev scripts or bench"),
  },
);
