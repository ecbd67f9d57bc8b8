import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { Actor } from "@/core/auth/actor";
import { env } from "@/core/config/env";
import { checkServices } from "@/core/health/check-services";
import { exportRules } from "@/core/rules/export-rules";
import { importRules, type ImportResult } from "@/core/rules/import-rules";
import { RULE_SET_FORMATS, type RuleSetFormat } from "@/core/rules/rule-set-text";
import { isRemote, remoteApi } from "../remote";

const format = (value: string): RuleSetFormat => {
  if (!(RULE_SET_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError("must be yaml or json");
  return value as RuleSetFormat;
};

/** Locally the CLI acts with full rights, as whoever runs it on the Flexguard host; the audit log says so. */
const cliActor = (): Actor => ({ kind: "system", userId: null, label: `cli:${process.env.USER ?? "unknown"}`, role: "ADMIN", subscriptions: null, sourceIp: null });

/** flexguard rules export [--format yaml|json] [--out file] and flexguard rules import <file> [--dry-run] [--json]. */
export function registerRulesCommands(program: Command): void {
  const rules = program.command("rules").description("protection rules as code: export and import the whole rule set");

  rules
    .command("export")
    .description("print (or write) the whole rule set as YAML or JSON")
    .option("--format <format>", "yaml or json", format, "yaml")
    .option("--out <file>", "write to this file instead of standard output")
    .action(async (opts: { format: RuleSetFormat; out?: string }) => {
      const content = isRemote() ? await remoteText(`/api/rules/export?format=${opts.format}`) : (await checkServices(), (await exportRules(cliActor(), opts.format)).content);
      if (opts.out) await writeFile(opts.out, content);
      else process.stdout.write(content);
    });

  rules
    .command("import <file>")
    .description("replace the rule set with a file's: rules are matched by name; missing ones are deleted")
    .option("--dry-run", "only list what would be created, changed and deleted")
    .option("--format <format>", "yaml or json (default: from the file name)", format)
    .option("--json", "print machine-readable JSON")
    .action(async (file: string, opts: { dryRun?: boolean; format?: RuleSetFormat; json?: boolean }) => {
      const content = await readFile(file, "utf8");
      const input = { format: opts.format ?? (extname(file).toLowerCase() === ".json" ? "json" : "yaml"), content, dryRun: Boolean(opts.dryRun) } as const;
      const result = isRemote() ? await remoteApi<ImportResult>("POST", "/api/rules/import", input) : (await checkServices(), await importRules(cliActor(), input));
      console.log(opts.json ? JSON.stringify(result, null, 2) : describeImport(result));
    });
}

function describeImport({ dryRun, applied, plan }: ImportResult): string {
  const lines = [
    ...plan.create.map((c) => `+ create ${c.name} (order ${c.order})`),
    ...plan.update.flatMap((u) => [`~ change ${u.name} (revision ${u.fromRevision})`, ...u.summary.map((s) => `    ${s}`)]),
    ...plan.delete.map((d) => `- delete ${d.name}`),
  ];
  const counts = `${plan.create.length} to create, ${plan.update.length} to change, ${plan.delete.length} to delete, ${plan.unchanged.length} unchanged`;
  const verdict = dryRun ? "Dry run, nothing saved" : applied ? "Applied" : "Nothing to do";
  return [...lines, `${verdict}: ${counts}`].join("\n");
}

/** A remote call whose answer is a file, not JSON. */
async function remoteText(path: string): Promise<string> {
  const { FLEXGUARD_URL, FLEXGUARD_TOKEN } = env();
  const res = await fetch(new URL(path, FLEXGUARD_URL), { headers: { authorization: `Bearer ${FLEXGUARD_TOKEN}` } });
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new Error(`${data.error?.code ?? res.status}: ${data.error?.message ?? res.statusText}`);
  }
  return res.text();
}
