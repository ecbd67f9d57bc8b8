// A zip of per-server templates with a README and deploy scripts, written as the reader reads: each time the
// stream's buffer has room it takes the next server from its source (a database cursor in production), builds its
// template and hands the bytes on, so a pack of 10,000 servers starts arriving at once and a slow or paused reader
// holds the producer back instead of letting the whole pack pile up in memory.
import { Readable } from "node:stream";
import { AppError } from "@/core/errors";
import { fingerprint, serializeTemplate } from "./arm";
import { serverTemplate } from "./build-server-template";
import { compareKeys, normalizeGrant } from "./normalize-grant";
import { PackInstructions } from "./pack-instructions";
import { safeFileName } from "./safe-file-name";
import type { ServerRoleGrant, TemplateOptions } from "./types";
import { ZipWriter } from "./zip-writer";

export interface ZipPackOptions extends TemplateOptions {
  /** The folder every file of the pack sits in (made safe); also the suggested zip name. Default "flexguard-roles". */
  folder?: string;
  /**
   * Deflate each template (default false: stored). Deflating 10,000 small entries costs CPU for a 10,000-server
   * pack and gains little: each entry is
   * compressed alone, so the boilerplate every template repeats is never shared (about 3.5x). A stored pack sent
   * with Content-Encoding: gzip is one zlib stream that does share it, and comes out smaller.
   */
  compress?: boolean;
}

/** Every entry carries this date: a real time would make two identical packs differ. */
const ENTRY_DATE = new Date("1980-01-01T00:00:00Z");
/** Bytes the stream holds for its reader before it stops producing (Node's default for byte streams is 16 KiB). */
const HIGH_WATER_MARK = 64 * 1024;

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

type GrantSource = Iterable<ServerRoleGrant> | AsyncIterable<ServerRoleGrant>;

/**
 * Streams a zip of one template per server, README.md, deploy-all.sh and deploy-all.ps1. An array is taken in
 * server-id order, so the same servers always give the same bytes; an (async) iterable, such as a database
 * cursor, is taken in the order it yields, and the README is written last because it lists every template.
 * A bad grant or a server listed twice fails the stream with a VALIDATION_FAILED AppError. Templates are built
 * only when the reader wants more bytes; a reader that goes away closes the source (its `return()` is called).
 */
export function streamZipPack(grants: readonly ServerRoleGrant[] | GrantSource, options: ZipPackOptions): Readable {
  const pack = new PackWriter(orderedGrants(grants), options);
  let producing = false;
  const stream = new Readable({
    highWaterMark: HIGH_WATER_MARK,
    read() {
      // read() is called again while an async source is still fetching; the loop below is already on it.
      if (producing) return;
      producing = true;
      void (async () => {
        try {
          // Until the buffer is full (push answers false) or the pack is done.
          for (;;) {
            const bytes = await pack.next();
            if (stream.destroyed) return;
            if (bytes === null) {
              stream.push(null);
              return;
            }
            if (!stream.push(bytes)) return;
          }
        } catch (error) {
          stream.destroy(error instanceof Error ? error : new Error(String(error)));
        } finally {
          producing = false;
        }
      })();
    },
    destroy(error, callback) {
      pack.close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
  return stream;
}

function orderedGrants(grants: readonly ServerRoleGrant[] | GrantSource): GrantSource {
  if (!Array.isArray(grants)) return grants as GrantSource;
  return [...(grants as readonly ServerRoleGrant[])].sort((a, b) => compareKeys(a.server.armId.toLowerCase(), b.server.armId.toLowerCase()));
}

/** The pack's bytes, one piece per call: a template per server, then the README, the scripts and the zip's directory. */
class PackWriter {
  private readonly iterator: Iterator<ServerRoleGrant> | AsyncIterator<ServerRoleGrant>;
  private readonly zip: ZipWriter;
  private readonly folder: string;
  private readonly instructions: PackInstructions;
  private readonly seen = new Set<string>();
  /** Thousands of servers share a few subscriptions and groups: each folder name is made once. */
  private readonly folders = new Map<string, string>();
  private done = false;

  constructor(
    source: GrantSource,
    private readonly options: ZipPackOptions,
  ) {
    this.iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<ServerRoleGrant>)[Symbol.asyncIterator]() : (source as Iterable<ServerRoleGrant>)[Symbol.iterator]();
    this.zip = new ZipWriter({ compress: options.compress ?? false, date: ENTRY_DATE });
    this.folder = safeFileName(options.folder ?? "flexguard-roles", "flexguard-roles");
    this.instructions = new PackInstructions(options.backupRoleScope);
  }

  /** The next bytes of the zip, or null at its end. */
  async next(): Promise<Buffer | null> {
    if (this.done) return null;
    const next = await this.iterator.next();
    if (!next.done) return this.template(next.value);
    this.done = true;
    const { zip, folder, instructions } = this;
    return Buffer.concat([
      zip.entry(`${folder}/README.md`, instructions.readme()),
      zip.entry(`${folder}/deploy-all.sh`, instructions.bashScript(), 0o755),
      zip.entry(`${folder}/deploy-all.ps1`, instructions.powershellScript()),
      zip.finish(),
    ]);
  }

  /** Stops early: the source is told to clean up (a database cursor releases its connection). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }

  private template(grant: ServerRoleGrant): Buffer {
    const normalized = normalizeGrant(grant);
    if (this.seen.has(normalized.server.key)) throw new AppError("VALIDATION_FAILED", `Server ${JSON.stringify(grant.server.armId)} is listed twice.`);
    this.seen.add(normalized.server.key);
    const built = serverTemplate(normalized, this.options);
    const { server } = normalized;
    const path = `${this.folderOf(server.subscriptionId)}/${this.folderOf(server.resourceGroup)}/${packPathSegment(server.name)}.json`;
    this.instructions.add({ grant: normalized, path, deploymentName: serverDeploymentName(server.name, server.key), roleAssignmentCount: built.roleAssignmentCount });
    return this.zip.entry(`${this.folder}/${path}`, serializeTemplate(built.template));
  }

  private folderOf(name: string): string {
    let segment = this.folders.get(name);
    if (segment === undefined) this.folders.set(name, (segment = packPathSegment(name)));
    return segment;
  }
}
