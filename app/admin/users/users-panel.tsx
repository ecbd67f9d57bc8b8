"use client";
import type { FormEvent } from "react";
import { apiCall } from "@/app/_components/api-call";
import { useApiAction } from "../../_components/use-api-action";

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: string;
  subscriptions: string[];
  disabled: boolean;
  entra: boolean;
  lastLoginAt: string | null;
}

const ROLES = ["viewer", "operator", "approver", "admin"];
const subscriptionsOf = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export function UsersPanel({ users }: { users: UserRow[] }) {
  const { error, run } = useApiAction();

  function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void run(() =>
      apiCall("POST", "/api/users", {
        username: form.get("username"),
        displayName: form.get("displayName"),
        role: form.get("role"),
        password: form.get("password"),
        subscriptions: subscriptionsOf(String(form.get("subscriptions") ?? "")),
      }),
    );
  }

  return (
    <>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <table aria-label="Users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Subscriptions</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>
                {u.username}
                {u.entra ? " (Entra ID)" : ""}
              </td>
              <td>{u.displayName}</td>
              <td>
                <select aria-label={`Role of ${u.username}`} defaultValue={u.role.toLowerCase()} onChange={(e) => void run(() => apiCall("PATCH", `/api/users/${u.id}`, { role: e.target.value }))}>
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{u.subscriptions.length ? u.subscriptions.join(", ") : "all"}</td>
              <td>{u.lastLoginAt?.slice(0, 16).replace("T", " ") ?? "never"}</td>
              <td>
                <button type="button" className="link-button" onClick={() => void run(() => apiCall("PATCH", `/api/users/${u.id}`, { disabled: !u.disabled }))}>
                  {u.disabled ? `Enable ${u.username}` : `Disable ${u.username}`}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New local account</h2>
      <form className="stack" onSubmit={create} aria-label="Create user">
        <label>
          User name
          <input name="username" required />
        </label>
        <label>
          Name
          <input name="displayName" required />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Subscriptions (empty: all)
          <input name="subscriptions" placeholder="subscription ids, comma-separated" />
        </label>
        <label>
          Password (12 characters or more)
          <input name="password" type="password" autoComplete="new-password" required minLength={12} />
        </label>
        <button type="submit">Create user</button>
      </form>
    </>
  );
}
