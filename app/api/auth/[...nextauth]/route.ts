// /api/auth/*: next-auth's sign-in, callback, session and sign-out endpoints (CSRF-protected by next-auth).
import NextAuth from "next-auth";
import { authOptions } from "@/app/_lib/auth-options";

const handler = (req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) => NextAuth(authOptions())(req, ctx);
export { handler as GET, handler as POST };
