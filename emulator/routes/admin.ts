// The admin API under /_emulator/: outside Azure's paths, no authentication, no limits. Tests and
// demos use it to reset or reseed the fleet, load a described fleet, read request and 429 counts,
// switch faults and limits, and move emulated time. Documented in docs/emulator.md.
import { z } from "zod";
import { makeEmulatorToken } from "../auth.ts";
import { ArmError } from "../errors.ts";
import { idKey } from "../ids.ts";
import { type EmulatorState } from "../state.ts";
import { serverStates } from "../fleet/schema.ts";

export interface AdminContext {
  state: EmulatorState;
  body: unknown;
  query: URLSearchParams;
}

export interface AdminRoute {
  method: "GET" | "POST";
  pattern: RegExp;
  handle: (context: AdminContext) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;
}

const reseedSchema = z.object({
  seed: z.union([z.number(), z.string()]).default(1),
  servers: z.number().int().min(0).max(100_000).default(1200),
  subscriptions: z.number().int().min(1).max(500).default(12),
  flexguardPrincipalId: z.string().optional(),
});

const faultsSchema = z.object({
  transientFailureRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Configure protection of these servers fails with the given code (null clears). */
  protectionFailures: z.array(z.object({ serverId: z.string(), code: z.string().nullable().default("UserErrorPostgreSQLFlexServerUnreachable") })).optional(),
  serverStates: z.array(z.object({ serverId: z.string(), state: z.enum(serverStates) })).optional(),
  vaultLocations: z.array(z.object({ vaultId: z.string(), location: z.string() })).optional(),
});

const timeSchema = z.object({
  advanceSeconds: z.number().min(0).optional(),
  timeFactor: z.number().positive().max(1_000_000).optional(),
});

const limitsSchema = z.object({
  enabled: z.boolean().optional(),
  graphQueriesPerWindow: z.number().int().positive().optional(),
  graphWindowMs: z.number().int().positive().optional(),
  readsBucketSize: z.number().int().positive().optional(),
  readsPerSecond: z.number().positive().optional(),
  writesBucketSize: z.number().int().positive().optional(),
  writesPerSecond: z.number().positive().optional(),
});

const timingsSchema = z.object({
  argLagMs: z.number().min(0).optional(),
  rbacPropagationMs: z.number().min(0).optional(),
  configureProtectionMs: z.number().min(0).optional(),
  validateMs: z.number().min(0).optional(),
  backupJobMs: z.number().min(0).optional(),
  deploymentMs: z.number().min(0).optional(),
  deleteMs: z.number().min(0).optional(),
});

function timeBody(state: EmulatorState) {
  return { now: state.clock.nowIso(), timeFactor: state.clock.timeFactor };
}

function faultsBody(state: EmulatorState) {
  const failing = [...state.store.servers.values()].filter((s) => s.protectionFailureCode).map((s) => ({ serverId: s.id, code: s.protectionFailureCode }));
  return { ...state.faults, protectionFailures: failing };
}

export const adminRoutes: AdminRoute[] = [
  { method: "GET", pattern: /^\/_emulator\/health\/?$/i, handle: ({ state }) => ({ status: 200, body: { ok: true, ...state.store.counts() } }) },
  {
    method: "POST",
    pattern: /^\/_emulator\/reset\/?$/i,
    handle: ({ state }) => {
      state.reset();
      return { status: 200, body: state.store.counts() };
    },
  },
  {
    method: "POST",
    pattern: /^\/_emulator\/reseed\/?$/i,
    handle: ({ state, body }) => {
      state.reseed(reseedSchema.parse(body ?? {}));
      return { status: 200, body: state.store.counts() };
    },
  },
  {
    method: "POST",
    pattern: /^\/_emulator\/fleet\/?$/i,
    handle: ({ state, body }) => {
      try {
        state.loadFleet(body);
      } catch (error) {
        if (error instanceof z.ZodError) {
          const issue = error.issues[0]!;
          throw new ArmError(400, "InvalidFleet", `The fleet description is invalid at '${issue.path.join(".")}': ${issue.message}`);
        }
        if (error instanceof Error) throw new ArmError(400, "InvalidFleet", error.message);
        throw error;
      }
      return { status: 200, body: state.store.counts() };
    },
  },
  {
    method: "GET",
    pattern: /^\/_emulator\/stats\/?$/i,
    handle: ({ state }) => ({ status: 200, body: { requests: state.stats, store: state.store.counts() } }),
  },
  {
    method: "POST",
    pattern: /^\/_emulator\/stats\/reset\/?$/i,
    handle: ({ state }) => {
      state.resetStats();
      return { status: 200, body: { requests: state.stats } };
    },
  },
  { method: "GET", pattern: /^\/_emulator\/faults\/?$/i, handle: ({ state }) => ({ status: 200, body: faultsBody(state) }) },
  {
    method: "POST",
    pattern: /^\/_emulator\/faults\/?$/i,
    handle: ({ state, body }) => {
      const input = faultsSchema.parse(body ?? {});
      const { store } = state;
      if (input.transientFailureRate !== undefined) state.faults.transientFailureRate = input.transientFailureRate;
      if (input.latencyMs !== undefined) state.faults.latencyMs = input.latencyMs;
      for (const failure of input.protectionFailures ?? []) {
        const server = store.servers.get(idKey(failure.serverId));
        if (!server) throw new ArmError(404, "ResourceNotFound", `No server ${failure.serverId} in the fleet.`);
        server.protectionFailureCode = failure.code ?? undefined;
      }
      for (const change of input.serverStates ?? []) {
        const server = store.servers.get(idKey(change.serverId));
        if (!server) throw new ArmError(404, "ResourceNotFound", `No server ${change.serverId} in the fleet.`);
        store.setServerState(server, change.state);
      }
      for (const move of input.vaultLocations ?? []) {
        const vault = store.vaults.get(idKey(move.vaultId));
        if (!vault) throw new ArmError(404, "ResourceNotFound", `No vault ${move.vaultId} in the fleet.`);
        store.addVault({ ...vault, location: move.location });
      }
      return { status: 200, body: faultsBody(state) };
    },
  },
  { method: "GET", pattern: /^\/_emulator\/time\/?$/i, handle: ({ state }) => ({ status: 200, body: timeBody(state) }) },
  {
    method: "POST",
    pattern: /^\/_emulator\/time\/?$/i,
    handle: ({ state, body }) => {
      const input = timeSchema.parse(body ?? {});
      if (input.timeFactor !== undefined) state.clock.setTimeFactor(input.timeFactor);
      if (input.advanceSeconds) state.clock.advance(input.advanceSeconds * 1000);
      state.store.runDueEvents();
      return { status: 200, body: timeBody(state) };
    },
  },
  { method: "GET", pattern: /^\/_emulator\/limits\/?$/i, handle: ({ state }) => ({ status: 200, body: state.throttler.config }) },
  {
    method: "POST",
    pattern: /^\/_emulator\/limits\/?$/i,
    handle: ({ state, body }) => {
      const input = limitsSchema.parse(body ?? {});
      const config = state.throttler.config;
      if (input.enabled !== undefined) config.enabled = input.enabled;
      if (input.graphQueriesPerWindow) config.graph.queriesPerWindow = input.graphQueriesPerWindow;
      if (input.graphWindowMs) config.graph.windowMs = input.graphWindowMs;
      if (input.readsBucketSize) config.arm.reads.size = input.readsBucketSize;
      if (input.readsPerSecond) config.arm.reads.refillPerSecond = input.readsPerSecond;
      if (input.writesBucketSize) config.arm.writes.size = input.writesBucketSize;
      if (input.writesPerSecond) config.arm.writes.refillPerSecond = input.writesPerSecond;
      state.throttler.reset();
      return { status: 200, body: config };
    },
  },
  { method: "GET", pattern: /^\/_emulator\/timings\/?$/i, handle: ({ state }) => ({ status: 200, body: state.store.timings }) },
  {
    method: "POST",
    pattern: /^\/_emulator\/timings\/?$/i,
    handle: ({ state, body }) => {
      Object.assign(state.store.timings, timingsSchema.parse(body ?? {}));
      return { status: 200, body: state.store.timings };
    },
  },
  {
    method: "GET",
    pattern: /^\/_emulator\/principals\/?$/i,
    handle: ({ state }) => ({
      status: 200,
      body: {
        tenantId: state.store.tenantId,
        value: [...state.store.principals.values()].map((p) => ({ ...p, token: makeEmulatorToken({ oid: p.id, tid: state.store.tenantId, name: p.displayName }) })),
      },
    }),
  },
];
