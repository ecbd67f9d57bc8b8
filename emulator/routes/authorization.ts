import { type Route } from "./types.ts";

export const authorizationRoutes: Route[] = [];
