"use client";
import { useState, type FormEvent } from "react";
import { apiCall } from "@/app/_components/api-call";
import { useApiAction } from "../../_components/use-api-action";

export interface WebhookRow {
  id: string;
  name: string;
  urlPreview: string;
  format: string;
  events: string[];
  enabled: boolean;
  deliveries: { id: string; event: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; createdAt: string }[];
}

export function WebhooksPanel({ hooks, events }: { hooks: WebhookRow[]; events: string[] }) {
  const action = useApiAction();
  const { error } = action;
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);

  function run(fn: () => Promise<unknown>) {
    setNotice(null);
    return action.run(fn);
  }

  function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    void run(async () => {
      const created = await apiCall<{ name: string; secret: string }>("POST", "/api/webhooks", {
        name: form.get("name"),
        url: form.get("url"),
        format: form.get("format"),
        events: form.getAll("events"),
      });
      setSecret({ name: created.name, secret: created.secret });
      target.reset();
    });
  }

  const test = (h: WebhookRow) =>
    run(async () => {
      const r = await apiCall<{ delivered: boolean; statusCode: number | null; error: string | null }>("POST", `/api/webhooks/${h.id}/test`);
      setNotice(r.delivered ? `Test sent to ${h.name}: HTTP ${r.statusCode}` : `Test to ${h.name} failed: ${r.error}`);
    });

  return (
    <>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {notice ? <p role="status">{notice}</p> : null}
      {secret ? (
        <div role="status" className="notice">
          <p>
            Signing secret of <strong>{secret.name}</strong>, shown this once: <code data-testid="webhook-secret">{secret.secret}</code>
          </p>
        </div>
      ) : null}
      <table aria-label="Webhooks">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">URL</th>
            <th scope="col">Format</th>
            <th scope="col">Events</th>
            <th scope="col">Recent deliveries</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {hooks.length === 0 ? (
            <tr>
              <td colSpan={6}>No webhooks yet.</td>
            </tr>
          ) : null}
          {hooks.map((h) => (
            <tr key={h.id}>
              <td>
                {h.name}
                {h.enabled ? "" : " (disabled)"}
              </td>
              <td>{h.urlPreview}</td>
              <td>{h.format}</td>
              <td>{h.events.length ? h.events.join(", ") : "all"}</td>
              <td>
                {h.deliveries.length === 0
                  ? "none"
                  : h.deliveries.map((d) => (
                      <div key={d.id}>
                        {d.createdAt.slice(0, 16).replace("T", " ")} {d.event}: {d.status}
                        {d.attempts > 1 ? ` after ${d.attempts} attempts` : ""}
                        {d.status !== "delivered" && d.lastError ? ` (${d.lastError})` : ""}
                      </div>
                    ))}
              </td>
              <td>
                <button type="button" className="link-button" onClick={() => void test(h)}>
                  Send test to {h.name}
                </button>{" "}
                <button type="button" className="link-button" onClick={() => void run(() => apiCall("PATCH", `/api/webhooks/${h.id}`, { enabled: !h.enabled }))}>
                  {h.enabled ? `Disable ${h.name}` : `Enable ${h.name}`}
                </button>{" "}
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    void run(async () => {
                      const r = await apiCall<{ name: string; secret: string }>("PATCH", `/api/webhooks/${h.id}`, { rotateSecret: true });
                      setSecret({ name: r.name, secret: r.secret });
                    })
                  }
                >
                  New secret for {h.name}
                </button>{" "}
                <button type="button" className="link-button" onClick={() => void run(() => apiCall("DELETE", `/api/webhooks/${h.id}`))}>
                  Remove {h.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New webhook</h2>
      <form className="stack" onSubmit={create} aria-label="Create webhook">
        <label>
          Name
          <input name="name" required maxLength={100} />
        </label>
        <label>
          URL (http or https)
          <input name="url" type="url" required placeholder="https://hooks.slack.com/services/..." />
        </label>
        <label>
          Format
          <select name="format" defaultValue="json">
            <option value="json">JSON</option>
            <option value="slack">Slack</option>
            <option value="teams">Microsoft Teams</option>
          </select>
        </label>
        <fieldset>
          <legend>Events (none ticked: all)</legend>
          {events.map((e) => (
            <label key={e}>
              <input type="checkbox" name="events" value={e} /> {e}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add webhook</button>
      </form>
    </>
  );
}
