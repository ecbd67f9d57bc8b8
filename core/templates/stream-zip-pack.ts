// A zip of per-server templates with a README and deploy scripts, written as a stream: the first template leaves
// before the second is built, so a pack of 10,000 servers starts arriving at once, and a slow reader holds the
// writer back instead of letting the whole pack pile up in memory.
import type { Readable } from "node:stream";
import { ZipArchive } from "archiver";
import { AppError } from "@/core/errors";
import { fingerprint, serializeTemplate } from "./arm";
import { serverTemplate } from "./build-server-template";
import { compareKeys, normalizeGrant } from "./normalize-grant";
import { PackInstructions } from "./pack-instructions";
import { safeFileName } from "./safe-file-name";
import type { ServerRoleGrant, TemplateOptions } from "./types";

export interface ZipPackOptions extends TemplateOptions {
  /** The folder every file of the pack sits in (made safe); also the suggested zip name. Default "flexguard-roles". */
  folder?: string;
  /**
   * Deflate each template (default false: stored). Deflating 10,000 small entries costs a zlib stream and its
   * thread-pool round trips per entry, seconds of CPU for a 10,000-server pack, and gains little: each entry is
   * compressed alone, so the boilerplate every template repeats is never shared (about 3.5x). A stored pack sent
   * with Content-Encoding: gzip is one zlib stream that does share it, and comes out smaller.
   */
  compress?: boolean;
}

/** Every entry carries this date: a real time would make two identical packs differ. */
const ENTRY_DATE = new Date("1980-01-01T00:00:00Z");
/** Entries handed to the archiver but not yet written out; beyond this the producer waits. */
const MAX_QUEUED_ENTRIES = 16;

/**
 * A path segment from a name: safeFileName's ASCII form, and when that lost something, a fingerprint of the
 * original too, so "rg-é" and "rg-e" never share a folder.
 */
export function packPathSegment(name: string): string {
  const safe = safeFileName(name, "unnamed");
  return safe === name ? safe : `${safe}-${fingerprint(name)}`;
}

/** The deployment name the README's commands use for a server: readable, unique per server, at most 64 characters. */
export function serverDeploymentName(serverName: string, serverKey: string): string {
  const readable = safeFileName(serverName, "server").toLowerCase().slice(0, 30).replace(/[-.]+$/, "");
  return `flexguard-roles-${readable}-${fingerprint(serverKey)}`;
}

/** The zip's file name for a pack folder. */
export const zipPackFileName = (folder = "flexguard-roles"): string => `${safeFileName(folder, "flexguard-roles")}.zip`;

/**
 * Streams a zip of one template per server, README.md, deploy-all.sh and deploy-all.ps1. An array is taken in
 * server-id order, so the same servers always give the same bytes; an (async) iterable, such as a database
 * cursor, is taken in the order it yields, and the README is written last because it lists every template.
 * A bad grant or a server listed twice fails the stream with a VALIDATION_FAILED AppError.
 */
export function streamZipPack(grants: readonly ServerRoleGrant[] | Iterable<ServerRoleGrant> | AsyncIterable<ServerRoleGrant>, options: ZipPackOptions): Readable {
  const archive = options.compress ? new ZipArchive({ zlib: { level: 6 } }) : new ZipArchive({ store: true });
  const folder = safeFileName(options.folder ?? "flexguard-roles", "flexguard-roles");
  void writeEntries(archive, orderedGrants(grants), folder, options).catch((error: unknown) => archive.destroy(error instanceof Error ? error : new Error(String(error))));
  return archive;
}

function orderedGrants(grants: readonly ServerRoleGrant[] | Iterable<ServerRoleGrant> | AsyncIterable<ServerRoleGrant>) {
  if (!Array.isArray(grants)) return grants as Iterable<ServerRoleGrant> | AsyncIterable<ServerRoleGrant>;
  return [...(grants as readonly ServerRoleGrant[])].sort((a, b) => compareKeys(a.server.armId.toLowerCase(), b.server.armId.toLowerCase()));
}

async function writeEntries(archive: ZipArchive, grants: Iterable<ServerRoleGrant> | AsyncIterable<ServerRoleGrant>, folder: string, options: ZipPackOptions) {
  let appended = 0;
  let written = 0;
  let wake: (() => void) | null = null;
  let stopped = false;
  const resume = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  archive.on("entry", () => {
    written++;
    resume();
  });
  // A reader that goes away (a closed download) ends the stream: stop producing instead of waiting forever.
  for (const event of ["error", "close"]) archive.on(event, () => ((stopped = true), resume()));

  const append = async (content: string, name: string, mode = 0o644) => {
    archive.append(content, { name: `${folder}/${name}`, date: ENTRY_DATE, mode });
    appended++;
    while (!stopped && appended - written > MAX_QUEUED_ENTRIES) await new Promise<void>((resolve) => (wake = resolve));
  };

  const instructions = new PackInstructions(options.backupRoleScope);
  const seen = new Set<string>();
  // Thousands of servers share a few subscriptions and groups: make each folder name once.
  const folders = new Map<string, string>();
  const folderOf = (name: string) => {
    let segment = folders.get(name);
    if (segment === undefined) folders.set(name, (segment = packPathSegment(name)));
    return segment;
  };
  for await (const grant of grants) {
    if (stopped) return;
    const normalized = normalizeGrant(grant);
    if (seen.has(normalized.server.key)) throw new AppError("VALIDATION_FAILED", `Server ${JSON.stringify(grant.server.armId)} is listed twice.`);
    seen.add(normalized.server.key);
    const built = serverTemplate(normalized, options);
    const { server } = normalized;
    const path = `${folderOf(server.subscriptionId)}/${folderOf(server.resourceGroup)}/${packPathSegment(server.name)}.json`;
    instructions.add({ grant: normalized, path, deploymentName: serverDeploymentName(server.name, server.key), roleAssignmentCount: built.roleAssignmentCount });
    await append(serializeTemplate(built.template), path);
  }
  if (stopped) return;
  await append(instructions.readme(), "README.md");
  await append(instructions.bashScript(), "deploy-all.sh", 0o755);
  await append(instructions.powershellScript(), "deploy-all.ps1");
  await archive.finalize();
}
