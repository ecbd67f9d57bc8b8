// GET /admin/settings: the configuration in force (scope, scan schedule, concurrency, limits), read from the
// environment and shown as text; secrets are never shown. Read-only for everyone: settings change through the
// environment (.env) and a restart.
import { roleCan } from "@/core/auth/permissions";
import { describeSettings } from "@/core/config/describe-settings";
import { requirePageActor } from "../../_lib/actor";

export const dynamic = "force-dynamic";

export default async function SettingsPage() {
  const actor = await requirePageActor();
  const groups = describeSettings();
  return (
    <>
      <h1>Settings</h1>
      <p className="muted">
        Flexguard reads these from its environment when it starts (see .env.example and the README&apos;s configuration table); change them there and restart.
        {roleCan(actor.role, "settings:write") ? "" : " Shown read-only."} Secrets are never shown.
      </p>
      <div className="grid-2">
        {groups.map((g) => {
          const id = `settings-${g.title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
          return (
            <section key={g.title} aria-labelledby={id}>
              <h2 id={id}>{g.title}</h2>
              <table aria-labelledby={id}>
                <thead>
                  <tr>
                    <th scope="col">Setting</th>
                    <th scope="col">Value</th>
                    <th scope="col">Variable</th>
                  </tr>
                </thead>
                <tbody>
                  {g.settings.map((s) => (
                    <tr key={s.variable}>
                      <td>
                        {s.label}
                        {s.note ? <div className="muted tags">{s.note}</div> : null}
                      </td>
                      <td className="break" data-testid={`setting-${s.variable}`}>
                        {s.value}
                      </td>
                      <td className="mono">{s.variable}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}
      </div>
    </>
  );
}
