import { type Route } from "./types.ts";

export const deploymentRoutes: Route[] = [];
