// The flexguard command line. Each subcommand is thin: parse flags, call core, print.
import { Command } from "commander";
import { FLEXGUARD_VERSION } from "@/core/version";
import { registerScanCommand } from "./commands/scan";
import { registerEvaluateCommands } from "./commands/evaluate";
import { registerRulesCommands } from "./commands/rules";
import { registerPlanCommands } from "./commands/plans";
import { registerPlanRunCommands } from "./commands/plan-runs";
import { registerTemplateCommands } from "./commands/templates";
import { runCommand } from "./run-command";

const program = new Command()
  .name("flexguard")
  .description("Keeps fleets of Azure Database for PostgreSQL flexible servers backed up.")
  .version(FLEXGUARD_VERSION)
  .showHelpAfterError();

registerScanCommand(program);
registerEvaluateCommands(program);
registerRulesCommands(program);
registerPlanCommands(program);
registerPlanRunCommands(program);
registerTemplateCommands(program);


await runCommand(() => program.parseAsync(process.argv));
