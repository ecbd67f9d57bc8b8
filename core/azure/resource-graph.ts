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
  let skipToken: string | undefined;
  do {
    let page;
    try {
      page = await resourceGraphClient().resources({
        query,
        subscriptions: scope.subscriptions,
        managementGroups: scope.managementGroups,
        options: { top: pageSize, skipToken, resultFormat: "objectArray", authorizationScopeFilter },
      });
    } catch (err) {
      throw toAzureError(err, env().AZURE_ENDPOINT);
    }
    yield page.data as Row[];
    skipToken = page.skipToken;
  } while (skipToken);
}
