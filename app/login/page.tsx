// GET /login: sign in with a Flexguard account or, when configured, Microsoft Entra ID.
import { redirect } from "next/navigation";
import { currentActor } from "../_lib/actor";
import { entraConfigured } from "../_lib/auth-options";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentActor()) redirect("/");
  const { error } = await searchParams;
  return (
    <>
      <h1>Sign in</h1>
      <LoginForm entra={entraConfigured()} initialError={typeof error === "string" ? "Sign-in failed" : null} />
    </>
  );
}
