// next-auth configuration: local accounts (argon2id, rate-limited) and, when configured, Microsoft Entra ID.
// Sessions are signed, http-only, same-site cookies that expire; each request re-reads the user, so disabling
// or changing a user takes effect at once.
import type { NextAuthOptions } from "next-auth";
import AzureADProvider from "next-auth/providers/azure-ad";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "@/core/config/env";
import { signInEntra, signInLocal } from "@/core/auth/sign-in";
import { AppError } from "@/core/errors";
import { clientIp } from "./client-ip";

export function authOptions(): NextAuthOptions {
  const config = env();
  const entra = config.ENTRA_TENANT_ID && config.ENTRA_CLIENT_ID && config.ENTRA_CLIENT_SECRET;
  return {
    secret: config.AUTH_SECRET,
    session: { strategy: "jwt", maxAge: config.SESSION_MAX_AGE_HOURS * 3600 },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "password",
        name: "Flexguard account",
        credentials: { username: { label: "User name", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          try {
            const claims = await signInLocal({ username: credentials?.username, password: credentials?.password }, clientIp(req.headers));
            return { id: claims.userId, sessionVersion: claims.sessionVersion };
          } catch (err) {
            // next-auth shows the message on the sign-in page as ?error=...
            if (err instanceof AppError) throw new Error(err.message, { cause: err });
            throw err;
          }
        },
      }),
      ...(entra
        ? [
            AzureADProvider({
              clientId: config.ENTRA_CLIENT_ID!,
              clientSecret: config.ENTRA_CLIENT_SECRET!,
              tenantId: config.ENTRA_TENANT_ID!,
              authorization: { params: { scope: "openid profile email" } },
            }),
          ]
        : []),
    ],
    callbacks: {
      async jwt({ token, user, account, profile }) {
        if (account?.provider === "azure-ad" && profile) {
          const p = profile as { oid?: string; sub?: string; preferred_username?: string; email?: string; name?: string; roles?: unknown; groups?: unknown };
          const claims = await signInEntra(
            { oid: p.oid ?? p.sub ?? "", username: p.preferred_username ?? p.email ?? p.oid ?? "", name: p.name ?? p.preferred_username ?? "", roles: p.roles, groups: p.groups },
            null,
          );
          return { ...token, uid: claims.userId, sv: claims.sessionVersion };
        }
        if (user) return { ...token, uid: user.id, sv: (user as { sessionVersion?: number }).sessionVersion };
        return token;
      },
      async session({ session, token }) {
        return { ...session, uid: token.uid, sv: token.sv };
      },
    },
  };
}

/** Whether Entra ID sign-in is configured, for the sign-in page. */
export const entraConfigured = () => Boolean(env().ENTRA_TENANT_ID && env().ENTRA_CLIENT_ID && env().ENTRA_CLIENT_SECRET);
