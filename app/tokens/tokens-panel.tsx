"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { apiCall } from "@/app/_components/api-call";

export interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  role: string;
  owner: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const ROLES = ["viewer", "operator", "approver", "admin"];

export function TokensPanel({ tokens, roles }: { tokens: TokenRow[]; roles: string[] }) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const form = new FormData(event.currentTarget);
    const days = String(form.get("expiresInDays") ?? "");
    try {
      const result = await apiCall<{ token: string }>("POST", "/api/tokens", { name: form.get("name"), role: form.get("role"), ...(days ? { expiresInDays: Number(days) } : {}) });
      setCreated(result.token);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function revoke(id: string) {
    try {
      await apiCall("DELETE", `/api/tokens/${id}`);
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <>
      <form className="stack" onSubmit={create} aria-label="Create API token">
        <label>
          Name
          <input name="name" required maxLength={100} />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            {ROLES.filter((r) => roles.includes(r)).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Expires in days (empty: never)
          <input name="expiresInDays" type="number" min={1} max={366} />
        </label>
        <button type="submit">Create token</button>
      </form>
      {created ? (
        <div role="status">
          <p>Copy this token now: it is not shown again.</p>
          <p className="secret" data-testid="new-token">
            {created}
          </p>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <table aria-label="API tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Owner</th>
            <th scope="col">Starts with</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.owner}</td>
              <td>{t.prefix}…</td>
              <td>{t.role.toLowerCase()}</td>
              <td>{t.createdAt.slice(0, 16).replace("T", " ")}</td>
              <td>{t.expiresAt?.slice(0, 10) ?? "never"}</td>
              <td>{t.lastUsedAt?.slice(0, 16).replace("T", " ") ?? "never"}</td>
              <td>
                {t.revokedAt ? (
                  "revoked"
                ) : (
                  <button type="button" className="link-button" onClick={() => void revoke(t.id)}>
                    Revoke {t.name}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
