// GET /api/vaults: the caller's Backup vaults by region (identity, policies, protected servers per state) and the
// regions with servers but no vault, as the vaults page shows them.
import { listVaults } from "@/core/dashboard/list-vaults";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read" }, async ({ actor }) => Response.json(await listVaults(actor)));
