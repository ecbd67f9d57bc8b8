import { type Route } from "./types.ts";

export const dataProtectionRoutes: Route[] = [];
