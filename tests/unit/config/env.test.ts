import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/core/config/env";

describe("configuration", () => {
  it("works on a fresh machine with nothing set: local Postgres, Redis and the bundled emulator", () => {
    const config = parseEnv({});
    expect(config.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/flexguard");
    expect(config.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(config.AZURE_MODE).toBe("emulator");
    expect(config.AZURE_ENDPOINT).toBe("https://127.0.0.1:4010");
    expect(config.WEB_PORT).toBe(3000);
  });

  it("points azure mode at public Resource Manager unless an endpoint is given", () => {
    expect(parseEnv({ AZURE_MODE: "azure" }).AZURE_ENDPOINT).toBe("https://management.azure.com");
    expect(parseEnv({ AZURE_MODE: "azure", AZURE_ENDPOINT: "https://management.usgovcloudapi.net" }).AZURE_ENDPOINT).toBe(
      "https://management.usgovcloudapi.net",
    );
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ WEB_PORT: "", AZURE_MODE: "" }).WEB_PORT).toBe(3000);
  });

  it("reads a subscription list, lower-cased and trimmed", () => {
    const config = parseEnv({ AZURE_SUBSCRIPTIONS: " 11111111-1111-4111-8111-AAAAAAAAAAAA , 22222222-2222-4222-8222-222222222222" });
    expect(config.AZURE_SUBSCRIPTIONS).toEqual(["11111111-1111-4111-8111-aaaaaaaaaaaa", "22222222-2222-4222-8222-222222222222"]);
  });

  it("reads the queues a worker serves, and refuses a queue that does not exist", () => {
    expect(parseEnv({}).WORKER_QUEUES).toBeUndefined();
    expect(parseEnv({ WORKER_QUEUES: "scan, scan-part" }).WORKER_QUEUES).toEqual(["scan", "scan-part"]);
    expect(() => parseEnv({ WORKER_QUEUES: "scan,remediate" })).toThrowError(/WORKER_QUEUES: each entry must be one of scan, scan-part, scan-schedule, evaluate/);
  });

  it("names the variable, the reason and the value when one is wrong", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://localhost/db" })).toThrowError(ConfigError);
    expect(() => parseEnv({ DATABASE_URL: "mysql://localhost/db" })).toThrowError(
      /DATABASE_URL: must look like postgresql:\/\/user@host:5432\/database \(got "mysql:\/\/localhost\/db"\)/,
    );
    expect(() => parseEnv({ WEB_PORT: "70000" })).toThrowError(/WEB_PORT: must be a TCP port/);
    expect(() => parseEnv({ AZURE_MODE: "aws" })).toThrowError(/AZURE_MODE: .*"emulator"/);
    expect(() => parseEnv({ AZURE_SUBSCRIPTIONS: "not-a-guid" })).toThrowError(/AZURE_SUBSCRIPTIONS: each entry must be a subscription id/);
    expect(() => parseEnv({ AZURE_ENDPOINT: "http://127.0.0.1:4010" })).toThrowError(/AZURE_ENDPOINT: must be an https:\/\/ URL/);
  });

  it("reports every bad variable at once, not just the first", () => {
    try {
      parseEnv({ REDIS_URL: "localhost", QUEUE_PREFIX: "a:b" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/REDIS_URL/);
      expect((err as Error).message).toMatch(/QUEUE_PREFIX: letters, digits, - and _ only/);
    }
  });
});
