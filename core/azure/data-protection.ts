import { ServiceClient } from "@azure/core-client";
import type { TokenCredential } from "@azure/core-auth";
import { createPipelineRequest, RestError, type HttpMethods, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { ArmClientOptions } from "./client-options";
import { beginLro, parseJsonBody, type LroPoller } from "./lro";
import {
  DATA_PROTECTION_API_VERSION,
  type AzureBackupJobResource,
  type BackupInstanceResource,
  type BackupVaultResource,
  type BaseBackupPolicyResource,
  type OperationJobExtendedInfo,
  type TriggerBackupRequest,
  type ValidateForBackupRequest,
} from "./data-protection-models";

export * from "./data-protection-models";

export interface DataProtectionClientOptions extends ArmClientOptions {
  apiVersion?: string;
  /** Polling interval when Azure sends no Retry-After. */
  updateIntervalInMs?: number;
}

export interface LroOptions {
  updateIntervalInMs?: number;
  /** false: the caller needs no result, so a PUT that succeeded is not read back (the poller resolves undefined). */
  finalRead?: boolean;
}

type Poller<T> = LroPoller<T>;

/** Poll interval when Azure sends no Retry-After (core-lro's default). */
const DEFAULT_POLL_INTERVAL_MS = 2_000;

/**
 * A small typed client for the Microsoft.DataProtection operations Flexguard needs. The official
 * @azure/arm-dataprotection package is not on the registry these machines reach, so this mirrors its operation
 * groups and method names (backupVaults, backupPolicies, backupInstances, jobs, ...; begin.../...AndWait) on the
 * same @azure/core-client pipeline the official one uses; long-running operations are polled by ./lro.ts.
 */
export class DataProtectionClient {
  readonly backupVaults;
  readonly backupPolicies;
  readonly backupInstances;
  readonly backupInstancesExtensionRouting;
  readonly jobs;
  private readonly client: ServiceClient;
  private readonly endpoint: string;
  private readonly apiVersion: string;
  private readonly intervalInMs: number | undefined;

  constructor(credential: TokenCredential, readonly subscriptionId: string, options: DataProtectionClientOptions) {
    this.client = new ServiceClient({ ...options, credential, credentialScopes: options.credentialScopes });
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.apiVersion = options.apiVersion ?? DATA_PROTECTION_API_VERSION;
    this.intervalInMs = options.updateIntervalInMs;
    const vaultPath = (rg: string, vault: string) =>
      `/subscriptions/${seg(this.subscriptionId)}/resourceGroups/${seg(rg)}/providers/Microsoft.DataProtection/backupVaults/${seg(vault)}`;

    this.backupVaults = {
      get: (rg: string, vault: string) => this.json<BackupVaultResource>("GET", vaultPath(rg, vault)),
      listInSubscription: () => this.list<BackupVaultResource>(`/subscriptions/${seg(this.subscriptionId)}/providers/Microsoft.DataProtection/backupVaults`),
      listInResourceGroup: (rg: string) =>
        this.list<BackupVaultResource>(`/subscriptions/${seg(this.subscriptionId)}/resourceGroups/${seg(rg)}/providers/Microsoft.DataProtection/backupVaults`),
      beginCreateOrUpdate: (rg: string, vault: string, resource: BackupVaultResource, o?: LroOptions) =>
        this.lro<BackupVaultResource>("PUT", vaultPath(rg, vault), resource, "azure-async-operation", o),
      beginCreateOrUpdateAndWait: async (rg: string, vault: string, resource: BackupVaultResource, o?: LroOptions) =>
        (await this.backupVaults.beginCreateOrUpdate(rg, vault, resource, o)).pollUntilDone(),
    };

    this.backupPolicies = {
      list: (rg: string, vault: string) => this.list<BaseBackupPolicyResource>(`${vaultPath(rg, vault)}/backupPolicies`),
      get: (rg: string, vault: string, name: string) => this.json<BaseBackupPolicyResource>("GET", `${vaultPath(rg, vault)}/backupPolicies/${seg(name)}`),
      createOrUpdate: (rg: string, vault: string, name: string, resource: BaseBackupPolicyResource) =>
        this.json<BaseBackupPolicyResource>("PUT", `${vaultPath(rg, vault)}/backupPolicies/${seg(name)}`, resource),
    };

    const instancePath = (rg: string, vault: string, name: string) => `${vaultPath(rg, vault)}/backupInstances/${seg(name)}`;
    this.backupInstances = {
      list: (rg: string, vault: string) => this.list<BackupInstanceResource>(`${vaultPath(rg, vault)}/backupInstances`),
      get: (rg: string, vault: string, name: string) => this.json<BackupInstanceResource>("GET", instancePath(rg, vault, name)),
      beginCreateOrUpdate: (rg: string, vault: string, name: string, resource: BackupInstanceResource, o?: LroOptions) =>
        this.lro<BackupInstanceResource>("PUT", instancePath(rg, vault, name), resource, "location", o),
      beginCreateOrUpdateAndWait: async (rg: string, vault: string, name: string, resource: BackupInstanceResource, o?: LroOptions) =>
        (await this.backupInstances.beginCreateOrUpdate(rg, vault, name, resource, o)).pollUntilDone(),
      beginValidateForBackup: (rg: string, vault: string, request: ValidateForBackupRequest, o?: LroOptions) =>
        this.lro<OperationJobExtendedInfo>("POST", `${vaultPath(rg, vault)}/validateForBackup`, request, "location", o),
      beginValidateForBackupAndWait: async (rg: string, vault: string, request: ValidateForBackupRequest, o?: LroOptions) =>
        (await this.backupInstances.beginValidateForBackup(rg, vault, request, o)).pollUntilDone(),
      beginAdhocBackup: (rg: string, vault: string, name: string, request: TriggerBackupRequest, o?: LroOptions) =>
        this.lro<OperationJobExtendedInfo>("POST", `${instancePath(rg, vault, name)}/backup`, request, "location", o),
      beginAdhocBackupAndWait: async (rg: string, vault: string, name: string, request: TriggerBackupRequest, o?: LroOptions) =>
        (await this.backupInstances.beginAdhocBackup(rg, vault, name, request, o)).pollUntilDone(),
    };

    this.backupInstancesExtensionRouting = {
      /** The backup instances protecting one resource (a server), across vaults. The id is not URL-encoded, as in Azure. */
      list: (resourceId: string) => this.list<BackupInstanceResource>(`${armIdPath(resourceId)}/providers/Microsoft.DataProtection/backupInstances`),
    };

    this.jobs = {
      list: (rg: string, vault: string) => this.list<AzureBackupJobResource>(`${vaultPath(rg, vault)}/backupJobs`),
      get: (rg: string, vault: string, jobId: string) => this.json<AzureBackupJobResource>("GET", `${vaultPath(rg, vault)}/backupJobs/${seg(jobId)}`),
    };
  }

  private url(path: string): string {
    if (/^https:\/\//i.test(path)) return path; // nextLink and LRO monitors are absolute
    const sep = path.includes("?") ? "&" : "?";
    return `${this.endpoint}${path}${sep}api-version=${encodeURIComponent(this.apiVersion)}`;
  }

  private async send(method: HttpMethods, path: string, body?: unknown): Promise<PipelineResponse> {
    const request = createPipelineRequest({ url: this.url(path), method, body: body === undefined ? undefined : JSON.stringify(body) });
    request.headers.set("accept", "application/json");
    if (body !== undefined) request.headers.set("content-type", "application/json");
    const response = await this.client.sendRequest(request);
    if (response.status >= 400) throw restError(response);
    return response;
  }

  private async json<T>(method: HttpMethods, path: string, body?: unknown): Promise<T> {
    return parseBody(await this.send(method, path, body)) as T;
  }

  private async *list<T>(path: string): AsyncGenerator<T> {
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; nextLink?: string } = await this.json("GET", next);
      yield* page.value ?? [];
      next = page.nextLink;
    }
  }

  private lro<T>(method: HttpMethods, path: string, body: unknown, finalStateVia: "location" | "azure-async-operation", o?: LroOptions): Promise<Poller<T>> {
    return beginLro<T>({
      method,
      start: () => this.send(method, path, body),
      // A poll that answers with an error status may carry the operation's failure: the poller reads it.
      get: (url) => {
        const request = createPipelineRequest({ url: this.url(url), method: "GET" });
        request.headers.set("accept", "application/json");
        return this.client.sendRequest(request);
      },
      resourceUrl: this.url(path),
      finalStateVia,
      finalRead: o?.finalRead ?? true,
      intervalInMs: o?.updateIntervalInMs ?? this.intervalInMs ?? DEFAULT_POLL_INTERVAL_MS,
      toError: restError,
    });
  }
}

/** Encodes one path segment: names from Azure or users never change the path's shape. */
const seg = (value: string) => encodeURIComponent(value);

/** An ARM id used as a path: each segment encoded, the slashes kept. */
const armIdPath = (armId: string) => `/${armId.split("/").filter(Boolean).map(seg).join("/")}`;

const parseBody = parseJsonBody;

function restError(response: PipelineResponse): RestError {
  const body = parseBody(response) as { error?: { code?: string; message?: string } } | undefined;
  const err = new RestError(body?.error?.message ?? `HTTP ${response.status}`, {
    code: body?.error?.code,
    statusCode: response.status,
    request: response.request,
    response: { ...response, headers: response.headers } as never,
  });
  err.details = body;
  return err;
}
