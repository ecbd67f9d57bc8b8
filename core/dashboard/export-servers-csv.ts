import { csvField } from "../audit/list-audit";
import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { SERVER_ROW_COLUMNS, toFleetServerRow, type FleetServerRawRow } from "./list-fleet-servers";
import { afterCursorSql, orderBySql, serverFromWhere, sortKeyColumnSql, type ServerQuery, type SortCursor } from "./server-query";


export const SERVER_CSV_HEADER = [
  "name",
  "subscriptionId",
  "resourceGroup",
  "region",
  "version",
  "sku",
  "serverState",
  "verdictState",
  "governingRule",
  "ruleRevision",
  "stateSince",
  "tags",
  "armId",
] as const;

type ExportRow = FleetServerRawRow & { arm_id: string; sort_key: unknown };

/**
 * Every server matching the query (all pages, in the query's order) as CSV, streamed a chunk at a time with a
 * keyset cursor, so that exporting 100,000 servers neither holds them in memory nor rescans skipped rows.
 * Values from Azure go through csvField: quoted, and never read as a spreadsheet formula.
 */
export function exportServersCsv(actor: Actor, query: ServerQuery, { chunkSize = 5_000 } = {}): ReadableStream<Uint8Array> {
  authorize(actor, "fleet:read");
  const encoder = new TextEncoder();
  let cursor: SortCursor | null = null;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${SERVER_CSV_HEADER.join(",")}\r\n`));
      }
      const after = cursor ? Prisma.sql`AND ${afterCursorSql(query.sort, query.dir, cursor)}` : Prisma.empty;
      const rows = await db().$queryRaw<ExportRow[]>`
        SELECT ${SERVER_ROW_COLUMNS}, s.arm_id, ${sortKeyColumnSql(query.sort)}
        ${serverFromWhere(actor, query, { withRule: true })} ${after}
        ${orderBySql(query.sort, query.dir)} LIMIT ${chunkSize}`;
      if (rows.length === 0) return controller.close();
      const last = rows[rows.length - 1]!;
      cursor = { key: last.sort_key, name: last.name, id: last.id };
      let text = "";
      for (const raw of rows) {
        const r = toFleetServerRow(raw);
        const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join("; ");
        const fields = [r.name, r.subscriptionId, r.resourceGroup, r.location, r.version, r.skuName, r.state, r.verdictState, r.governingRuleName, r.ruleRevision, r.stateSince, tags, raw.arm_id];
        text += `${fields.map(csvField).join(",")}\r\n`;
      }
      controller.enqueue(encoder.encode(text));
      if (rows.length < chunkSize) controller.close();
    },
  });
}
