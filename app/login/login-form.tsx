"use client";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";

export function LoginForm({ entra, initialError }: { entra: boolean; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const result = await signIn("password", { username: String(form.get("username") ?? ""), password: String(form.get("password") ?? ""), redirect: false });
    setBusy(false);
    if (result?.ok && !result.error) window.location.assign("/");
    else setError(result?.error ?? "Sign-in failed");
  }

  return (
    <div className="login">
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          User name
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in..." : "Sign in"}
        </button>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </form>
      {entra ? (
        <button type="button" className="secondary" onClick={() => void signIn("azure-ad", { callbackUrl: "/" })}>
          Sign in with Microsoft Entra ID
        </button>
      ) : null}
    </div>
  );
}
