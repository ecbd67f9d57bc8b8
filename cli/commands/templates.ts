import { createWriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { InvalidArgumentError, type Command } from "commander";
import { SYSTEM_ACTOR } from "@/core/auth/actor";
import { checkServices } from "@/core/health/check-services";
import { templatePackQuerySchema, serverTemplateQuerySchema, type TemplatePackFormat } from "@/core/templates/schemas";
import { serverTemplateDownload, templatePackDownload } from "@/core/templates/template-downloads";
import { unzipPack } from "@/core/templates/unzip-pack";
import { isRemote, remoteDownload } from "../remote";

const SCOPES = ["server", "resourceGroup"] as const;
type Scope = (typeof SCOPES)[number];
const FORMATS = ["zip", "resource-group", "subscription", "files"] as const;
type Format = (typeof FORMATS)[number];

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`must be one of ${values.join(", ")}`);
    return value as T;
  };

/**
 * flexguard template <server-id> [--out <file|dir>] [--backup-role-scope server|resourceGroup]
 * flexguard templates --subscription <id> [--resource-group <rg>] [--format zip|resource-group|subscription|files] --out <dir|file.zip>
 * Locally through the database, or through the API with FLEXGUARD_URL and FLEXGUARD_TOKEN.
 */
export function registerTemplateCommands(program: Command): void {
  program
    .command("template")
    .description("the role-assignment ARM template of one server (printed, or written with --out)")
    .argument("<server-id>", "the server's Flexguard id (as in the dashboard's URL)")
    .option("--out <file>", "write the template to this file (or into this directory, under its own name)")
    .option("--backup-role-scope <scope>", "grant the backup role on the server or on its resource group", oneOf(SCOPES), "server" as Scope)
    .action(async (serverId: string, opts: { out?: string; backupRoleScope: Scope }) => {
      const query = serverTemplateQuerySchema.parse({ backupRoleScope: opts.backupRoleScope });
      let fileName: string;
      let json: string;
      if (isRemote()) {
        const res = await remoteDownload(`/api/servers/${encodeURIComponent(serverId)}/template?backupRoleScope=${query.backupRoleScope}`);
        json = await res.text();
        fileName = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "flexguard-roles.json";
      } else {
        await checkServices();
        ({ fileName, json } = await serverTemplateDownload(SYSTEM_ACTOR, serverId, query));
      }
      if (!opts.out) return void process.stdout.write(json);
      const target = (await isDirectory(opts.out)) ? path.join(opts.out, fileName) : opts.out;
      await writeFile(target, json);
      console.error(`Wrote ${target}`);
    });

  program
    .command("templates")
    .description("role-assignment templates for every server of a subscription (or resource group) that lacks roles")
    .requiredOption("--subscription <id>", "the subscription")
    .option("--resource-group <name>", "only this resource group")
    .option("--format <format>", "zip (per-server templates with a README), files (the same, unpacked), resource-group or subscription (one template); default: zip when --out ends in .zip, else files", oneOf(FORMATS))
    .option("--backup-role-scope <scope>", "grant the backup role on each server or on each resource group", oneOf(SCOPES), "server" as Scope)
    .requiredOption("--out <path>", "a directory (files), a .zip file, or a .json file")
    .action(async (opts: { subscription: string; resourceGroup?: string; format?: Format; backupRoleScope: Scope; out: string }) => {
      const format: Format = opts.format ?? (opts.out.toLowerCase().endsWith(".zip") ? "zip" : "files");
      const packFormat: TemplatePackFormat = format === "files" ? "zip" : format;
      const query = templatePackQuerySchema.parse({ subscription: opts.subscription, resourceGroup: opts.resourceGroup, format: packFormat, backupRoleScope: opts.backupRoleScope });
      const { ids: _ids, format: _format, backupRoleScope, ...filters } = query;

      let body: Readable;
      let fileName: string;
      if (isRemote()) {
        const params = new URLSearchParams({ subscription: opts.subscription, format: packFormat, backupRoleScope });
        if (opts.resourceGroup) params.set("resourceGroup", opts.resourceGroup);
        const res = await remoteDownload(`/api/templates/pack?${params.toString()}`);
        body = Readable.fromWeb(res.body! as WebReadableStream<Uint8Array>);
        fileName = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "flexguard-roles";
      } else {
        await checkServices();
        const pack = await templatePackDownload(SYSTEM_ACTOR, { selection: { filters }, format: packFormat, backupRoleScope });
        body = typeof pack.body === "string" ? Readable.from([pack.body]) : pack.body;
        fileName = pack.fileName;
      }

      if (format === "files") {
        const count = await writeFiles(body, opts.out);
        console.error(`Wrote ${count} files under ${opts.out}`);
        return;
      }
      const target = (await isDirectory(opts.out)) ? path.join(opts.out, fileName) : opts.out;
      await pipeline(body, createWriteStream(target));
      console.error(`Wrote ${target}`);
    });
}

/** Unpacks a pack into a directory, refusing any entry that would land outside it. */
async function writeFiles(zip: Readable, dir: string): Promise<number> {
  const root = path.resolve(dir);
  let count = 0;
  for await (const entry of unzipPack(zip)) {
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(`${root}${path.sep}`)) throw new Error(`Refusing pack entry ${JSON.stringify(entry.name)}: it points outside ${dir}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, entry.content, { mode: entry.name.endsWith(".sh") ? 0o755 : 0o644 });
    count++;
  }
  return count;
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
