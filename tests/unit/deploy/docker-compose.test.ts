// No Docker engine runs on these machines, so docker-compose.yml is checked statically against the
// configuration module: the same variables, valid values, health checks and start order.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema, parseEnv } from "@/core/config/env";

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const knownVariables = new Set(Object.keys(envSchema.in.shape));

describe("docker-compose.yml", () => {
  it("runs postgres, redis, the emulator, migrations, the worker and the web app", () => {
    expect(Object.keys(services).sort()).toEqual(["emulator", "migrate", "postgres", "redis", "web", "worker"]);
  });

  it("gives every long-running service a health check", () => {
    for (const name of ["postgres", "redis", "emulator", "worker", "web"]) expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(0);
  });

  it("checks the web app and the worker through their readiness endpoints, on the worker's configured port", () => {
    expect(services.web!.healthcheck!.test.join(" ")).toContain("http://127.0.0.1:3000/api/ready");
    const worker = parseEnv(services.worker!.environment!);
    expect(worker.WORKER_METRICS_PORT).toBeGreaterThan(0);
    expect(worker.WORKER_METRICS_HOST).toBe("0.0.0.0");
    expect(services.worker!.healthcheck!.test.join(" ")).toContain(`http://127.0.0.1:${worker.WORKER_METRICS_PORT}/readyz`);
  });

  it("starts the worker as worker/launch.ts does, with the heap limit its configuration names", async () => {
    const { workerNodeArgs } = await import("@/worker/launch");
    expect(services.worker!.command).toEqual(["node", ...workerNodeArgs(parseEnv(services.worker!.environment!))]);
  });

  it("sets only variables the configuration module knows, with values it accepts", () => {
    for (const name of ["migrate", "worker", "web"]) {
      const environment = services[name]!.environment!;
      for (const key of Object.keys(environment)) expect(knownVariables, `${name}: ${key}`).toContain(key);
      expect(() => parseEnv(environment), name).not.toThrow();
    }
  });

  it("points the product at the compose services, not at localhost", () => {
    const config = parseEnv(services.web!.environment!);
    expect(new URL(config.DATABASE_URL).hostname).toBe("postgres");
    expect(new URL(config.REDIS_URL).hostname).toBe("redis");
    expect(new URL(config.AZURE_ENDPOINT).hostname).toBe("emulator");
    expect(services.emulator!.command).toEqual(expect.arrayContaining(["--alt-name", "emulator", "--cert-file", config.EMULATOR_CERT_FILE]));
  });

  it("keeps Redis from evicting queued jobs", () => {
    expect(services.redis!.command).toEqual(expect.arrayContaining(["--maxmemory-policy", "noeviction"]));
  });

  it("starts the worker and web only after migrations succeeded and the emulator is healthy", () => {
    for (const name of ["worker", "web"]) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: "service_completed_successfully" },
        emulator: { condition: "service_healthy" },
      });
    }
  });

  it("uses a current Node LTS image for the product", () => {
    expect(readFileSync("Dockerfile", "utf8")).toMatch(/^FROM node:(22|24)-/m);
  });
});
