import { env } from "../config/env";
import { resourceGraphClient } from "./clients";
import { toAzureError } from "./errors";

/** Resource Graph answers at most 1,000 rows a page. */
export const MAX_PAGE_SIZE = 1000;

export interface GraphScope {
  /** Subscription ids; omitted = every subscription the principal can read. */
  subscriptions?: string[];
  managementGroups?: string[];
}

/**
 * Streams a Resource Graph query page by page (objectArray rows), following $skipToken, so that
 * callers write each page and never hold the whole result. The query must project `id`, or Azure
 * produces no $skipToken.
 */
export async function* queryResourceGraph<Row>(
  query: string,
  scope: GraphScope,
  pageSize = MAX_PAGE_SIZE,
  authorizationScopeFilter?: "AtScopeAndBelow" | "AtScopeAndAbove" | "AtScopeExact" | "AtScopeAboveAndBelow",
): AsyncGenerator<Row[]> {
  const fetchPage = async (skipToken: string | undefined) => {
    try {
      return await resourceGraphClient().resources({
        query,
        subscriptions: scope.subscriptions,
        managementGroups: scope.managementGroups,
        options: { top: pageSize, skipToken, resultFormat: "objectArray", authorizationScopeFilter },
      });
    } catch (err) {
      throw toAzureError(err, env().AZURE_ENDPOINT);
    }
  };
  // The next page is requested while the caller writes the current one: Azure and Postgres work in parallel.
  let next: ReturnType<typeof fetchPage> | undefined = fetchPage(undefined);
  while (next) {
    const page: Awaited<ReturnType<typeof fetchPage>> = await next;
    next = page.skipToken ? fetchPage(page.skipToken) : undefined;
    // If the caller stops early, a prefetched page that fails must not become an unhandled rejection.
    next?.catch(() => {});
    yield page.data as Row[];
  }
}
