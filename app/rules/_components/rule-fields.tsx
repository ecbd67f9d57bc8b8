"use client";
// The structured parts of the rule editor: the criteria of a scope or an exclusion, tag conditions, and the
// requirement (vault, policy, role assignment). Every control has a label and the id its path gives it, so that the
// API's issue for a path shows at that control and the error summary links to it; list entries are added and
// removed with buttons, and focus follows (to the new entry, or to what takes the removed one's place).
import { createContext, memo, useContext, type ReactNode } from "react";
import { Field, FieldGroup, type FieldControlProps } from "@/app/_components/field";
import type { RuleEditorOptions } from "@/core/rules/list-rule-editor-options";
import {
  CRITERIA,
  describeDuration,
  newTagRow,
  operatorTakesValue,
  policiesByVault,
  removeAt,
  replaceAt,
  withOperator,
  type Criterion,
  type RequirementForm,
  type SelectorForm,
  type TagOperator,
  type TagRow,
  type TextCriterion,
} from "../_lib/rule-form";

/** The DOM id of the control (or group) for a rule path: "scope.tags.0.key" is "rule-scope-tags-0-key". */
export const controlId = (path: string) => (path ? `rule-${path.replace(/\./g, "-")}` : "rule-form");

export interface RuleFieldsContext {
  /** The errors placed at a path's control. */
  errorsAt: (path: string) => string[] | undefined;
  /** Moves focus to the control with this path once the form has rendered (after an add or a remove). */
  focusPath: (path: string, suffix?: string) => void;
  /** Lists changed shape: issues under this path no longer point at the entries they named. */
  forgetIssues: (path: string) => void;
  options: RuleEditorOptions;
}

const Ctx = createContext<RuleFieldsContext | null>(null);
export const RuleFieldsProvider = Ctx.Provider;
function useRuleFields(): RuleFieldsContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("rule fields outside the rule editor");
  return ctx;
}

// Datalist ids: the suggestions from the inventory, rendered once by <RuleDatalists>.
export const LISTS = {
  subscriptions: "rule-dl-subscriptions",
  resourceGroups: "rule-dl-resource-groups",
  regions: "rule-dl-regions",
  postgresVersions: "rule-dl-postgres-versions",
  tagKeys: "rule-dl-tag-keys",
  vaultTagKeys: "rule-dl-vault-tag-keys",
  vaultNames: "rule-dl-vault-names",
  vaults: "rule-dl-vaults",
  policies: "rule-dl-policies",
  retentions: "rule-dl-retentions",
  intervals: "rule-dl-intervals",
} as const;
const vaultListFor = (region: string) => `${LISTS.vaults}-${region}`;

const RETENTIONS = ["P7D", "P14D", "P30D", "P3M", "P6M", "P1Y", "P7Y", "P10Y"];
const INTERVALS = ["PT4H", "PT6H", "PT12H", "P1D", "P1W"];

/** The inventory's suggestions as datalists; inputs name them with list=. Memoised: thousands of options need not re-render on each keystroke. */
export const RuleDatalists = memo(function RuleDatalists({ options }: { options: RuleEditorOptions }) {
  const regionsWithVaults = [...new Set(options.vaults.map((v) => v.region))];
  const simple = (id: string, values: string[]) => (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
  return (
    <>
      <datalist id={LISTS.subscriptions}>
        {options.subscriptions.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name ?? s.id}
          </option>
        ))}
      </datalist>
      {simple(LISTS.resourceGroups, options.resourceGroups)}
      {simple(LISTS.regions, options.regions)}
      {simple(LISTS.postgresVersions, options.postgresVersions)}
      {simple(LISTS.tagKeys, options.tagKeys)}
      {simple(LISTS.vaultTagKeys, options.vaultTagKeys)}
      {simple(LISTS.vaultNames, [...new Set(options.vaults.map((v) => v.name))])}
      <datalist id={LISTS.vaults}>
        {options.vaults.map((v) => (
          <option key={v.armId} value={v.armId}>{`${v.name} (${v.region}, ${v.resourceGroup})`}</option>
        ))}
      </datalist>
      {regionsWithVaults.map((region) => (
        <datalist key={region} id={vaultListFor(region)}>
          {options.vaults
            .filter((v) => v.region === region)
            .map((v) => (
              <option key={v.armId} value={v.armId}>{`${v.name} (${v.resourceGroup})`}</option>
            ))}
        </datalist>
      ))}
      <datalist id={LISTS.policies}>
        {options.policies.map((p) => (
          <option key={p.armId} value={p.armId}>{`${p.name} in ${p.vaultName} (${p.region}): ${policyTerms(p)}`}</option>
        ))}
      </datalist>
      <datalist id={LISTS.retentions}>
        {RETENTIONS.map((d) => (
          <option key={d} value={d}>
            {describeDuration(d)}
          </option>
        ))}
      </datalist>
      <datalist id={LISTS.intervals}>
        {INTERVALS.map((d) => (
          <option key={d} value={d}>
            {describeDuration(d)}
          </option>
        ))}
      </datalist>
    </>
  );
});

const policyTerms = (p: { backupInterval: string | null; defaultRetention: string | null }) =>
  `${p.backupInterval ? `every ${p.backupInterval}` : "no repeating schedule"}, kept ${p.defaultRetention ?? "(unknown)"}`;

// ---------------------------------------------------------------------------------------------
// Lists

interface TextListProps {
  path: string;
  legend: string;
  hint?: ReactNode;
  /** One entry, as its label and the remove button name it: "Subscription" gives "Subscription 2". */
  item: string;
  values: string[];
  onChange: (values: string[]) => void;
  list?: string;
  placeholder?: string;
  mono?: boolean;
  /** Under each entry: what the inventory knows of it (a vault's name, a policy's schedule). */
  describe?: (value: string) => ReactNode;
  /** The group stays when its last entry goes; else it goes, and focus moves to `emptyFocus` (a path and an id suffix). */
  keepWhenEmpty?: boolean;
  emptyFocus?: [path: string, suffix: string];
}

/** A list of text entries: one labelled input each, a remove button each, and an add button. */
export function TextList({ path, legend, hint, item, values, onChange, list, placeholder, mono, describe, keepWhenEmpty, emptyFocus }: TextListProps) {
  const { errorsAt, focusPath, forgetIssues } = useRuleFields();
  const lower = item.charAt(0).toLowerCase() + item.slice(1);
  const remove = (index: number) => {
    forgetIssues(path);
    onChange(removeAt(values, index));
    if (values.length > 1) focusPath(`${path}.${Math.min(index, values.length - 2)}`);
    else if (keepWhenEmpty) focusPath(path, "-add");
    else if (emptyFocus) focusPath(...emptyFocus);
  };
  return (
    <FieldGroup id={controlId(path)} legend={legend} hint={hint} errors={errorsAt(path)} className="list-group">
      {values.length ? (
        <ul className="entries">
          {values.map((value, index) => (
            <li key={index} className="entry">
              <Field id={controlId(`${path}.${index}`)} label={`${item} ${index + 1}`} hideLabel errors={errorsAt(`${path}.${index}`)} hint={describe?.(value) ?? undefined}>
                {(p) => (
                  <input {...p} className={mono ? "mono" : undefined} value={value} list={list} placeholder={placeholder} spellCheck={false} onChange={(e) => onChange(replaceAt(values, index, e.target.value))} />
                )}
              </Field>
              <button type="button" className="secondary-inline" aria-label={`Remove ${lower} ${index + 1}`} onClick={() => remove(index)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None yet.</p>
      )}
      <button
        type="button"
        id={`${controlId(path)}-add`}
        className="secondary-inline"
        onClick={() => {
          onChange([...values, ""]);
          focusPath(`${path}.${values.length}`);
        }}
      >
        Add {values.length ? "another " : ""}
        {lower}
      </button>
    </FieldGroup>
  );
}

const OPERATOR_LABELS: Record<TagOperator, string> = {
  equals: "equals",
  notEquals: "does not equal (notEquals)",
  exists: "exists, any value",
  notExists: "does not exist (notExists)",
  in: "is one of (in)",
};

/** Tag conditions: key, operator and the value or values the operator takes; all must hold. */
export function TagList({
  path,
  legend,
  hint,
  rows,
  onChange,
  keyList,
  keepWhenEmpty,
  emptyFocus,
}: {
  path: string;
  legend: string;
  hint?: ReactNode;
  rows: TagRow[];
  onChange: (rows: TagRow[]) => void;
  keyList: string;
  keepWhenEmpty?: boolean;
  emptyFocus?: [path: string, suffix: string];
}) {
  const { errorsAt, focusPath, forgetIssues } = useRuleFields();
  const remove = (index: number) => {
    forgetIssues(path);
    onChange(removeAt(rows, index));
    if (rows.length > 1) focusPath(`${path}.${Math.min(index, rows.length - 2)}.key`);
    else if (keepWhenEmpty) focusPath(path, "-add");
    else if (emptyFocus) focusPath(...emptyFocus);
  };
  return (
    <FieldGroup id={controlId(path)} legend={legend} hint={hint} errors={errorsAt(path)} className="list-group">
      {rows.length === 0 ? <p className="muted">None yet.</p> : null}
      {rows.map((row, index) => {
        const at = `${path}.${index}`;
        const update = (next: TagRow) => onChange(replaceAt(rows, index, next));
        return (
          <FieldGroup key={index} id={controlId(at)} legend={`Tag condition ${index + 1}`} errors={errorsAt(at)} className="tag-row">
            <div className="row-controls">
              <Field id={controlId(`${at}.key`)} label="Key" errors={errorsAt(`${at}.key`)}>
                {(p) => <input {...p} value={row.key} list={keyList} spellCheck={false} onChange={(e) => update({ ...row, key: e.target.value })} />}
              </Field>
              <Field id={controlId(`${at}.operator`)} label="Operator" errors={errorsAt(`${at}.operator`)}>
                {(p) => (
                  <select {...p} value={row.operator} onChange={(e) => update(withOperator(row, e.target.value as TagOperator))}>
                    {Object.entries(OPERATOR_LABELS).map(([op, label]) => (
                      <option key={op} value={op}>
                        {label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {operatorTakesValue(row.operator) ? (
                <Field id={controlId(`${at}.value`)} label="Value" errors={errorsAt(`${at}.value`)} hint={row.value === "" ? "Empty: the tag's value is empty." : undefined}>
                  {(p) => <input {...p} value={row.value} spellCheck={false} onChange={(e) => update({ ...row, value: e.target.value })} />}
                </Field>
              ) : null}
              <button type="button" className="secondary-inline row-remove" aria-label={`Remove tag condition ${index + 1}`} onClick={() => remove(index)}>
                Remove
              </button>
            </div>
            {row.operator === "in" ? (
              <TextList path={`${at}.values`} legend="Values (any of them)" item="Value" values={row.values} onChange={(values) => update({ ...row, values })} keepWhenEmpty />
            ) : null}
          </FieldGroup>
        );
      })}
      <button
        type="button"
        id={`${controlId(path)}-add`}
        className="secondary-inline"
        onClick={() => {
          onChange([...rows, newTagRow()]);
          focusPath(`${path}.${rows.length}.key`);
        }}
      >
        Add {rows.length ? "another " : ""}tag condition
      </button>
    </FieldGroup>
  );
}

// ---------------------------------------------------------------------------------------------
// Scope and exclusions

const CRITERION_TEXT: Record<Criterion, { legend: string; item: string; hint: string; list?: keyof typeof LISTS; placeholder?: string; mono?: boolean }> = {
  subscriptions: { legend: "Subscriptions (any of them)", item: "Subscription", hint: "Subscription ids (GUIDs).", list: "subscriptions", placeholder: "00000000-0000-0000-0000-000000000000", mono: true },
  resourceGroups: { legend: "Resource groups (any of them)", item: "Resource group", hint: "A name, or a pattern: * any run of characters, ? one character. Case is ignored.", list: "resourceGroups" },
  regions: { legend: "Regions (any of them)", item: "Region", hint: "Azure region names such as westeurope.", list: "regions", placeholder: "westeurope" },
  tags: { legend: "Tag conditions (all must hold)", item: "Tag condition", hint: "Keys compare ignoring case, values exactly, as Azure treats tags." },
  serverNames: { legend: "Server names (any of them)", item: "Server name", hint: "A name, or a pattern: * any run of characters, ? one character. Case is ignored.", placeholder: "pg-prod-*" },
  postgresVersions: { legend: "PostgreSQL versions (any of them)", item: "PostgreSQL version", hint: "Major versions such as 16.", list: "postgresVersions", placeholder: "16" },
};

/**
 * The criteria of a scope or an exclusion. Only criteria in use show, each with its entries; the others are offered
 * as "add" buttons. Within a criterion any entry matches; all criteria in use must match.
 */
export function SelectorFields({ path, value, onChange, emptyNote }: { path: string; value: SelectorForm; onChange: (value: SelectorForm) => void; emptyNote: ReactNode }) {
  const { focusPath, options } = useRuleFields();
  const subscriptionNames = new Map(options.subscriptions.map((s) => [s.id, s.name ?? s.id]));
  // A subscription id reads better with its name; one the inventory lacks is worth a word.
  const describeSubscription = (id: string) => {
    const key = id.trim().toLowerCase();
    if (!key) return null;
    return subscriptionNames.get(key) ?? (options.subscriptions.length ? "Not a subscription in the inventory you see." : null);
  };
  const unused = CRITERIA.filter((c) => value[c].length === 0);
  // When a criterion's last entry goes, its group goes and focus moves to the button that adds it again.
  const addId = (c: Criterion) => `-add-${c}`;
  return (
    <>
      {unused.length === CRITERIA.length ? (
        <p className="note" data-testid={`${controlId(path)}-empty`}>
          {emptyNote}
        </p>
      ) : null}
      {CRITERIA.filter((c) => value[c].length > 0).map((criterion) => {
        const text = CRITERION_TEXT[criterion];
        if (criterion === "tags")
          return <TagList key={criterion} path={`${path}.tags`} legend={text.legend} hint={text.hint} rows={value.tags} onChange={(tags) => onChange({ ...value, tags })} keyList={LISTS.tagKeys} emptyFocus={[path, addId("tags")]} />;
        const c = criterion as TextCriterion;
        return (
          <TextList
            key={c}
            path={`${path}.${c}`}
            legend={text.legend}
            hint={text.hint}
            item={text.item}
            values={value[c]}
            onChange={(entries) => onChange({ ...value, [c]: entries })}
            list={text.list ? LISTS[text.list] : undefined}
            placeholder={text.placeholder}
            mono={text.mono}
            describe={c === "subscriptions" ? describeSubscription : undefined}
            emptyFocus={[path, addId(c)]}
          />
        );
      })}
      {unused.length ? (
        <div className="add-criteria" role="group" aria-labelledby={`${controlId(path)}-add-label`}>
          <span id={`${controlId(path)}-add-label`} className="muted">
            Add a condition on:
          </span>
          {unused.map((criterion) => (
            <button
              key={criterion}
              type="button"
              id={`${controlId(path)}${addId(criterion)}`}
              className="secondary-inline"
              onClick={() => {
                if (criterion === "tags") {
                  onChange({ ...value, tags: [newTagRow()] });
                  focusPath(`${path}.tags.0.key`);
                } else {
                  onChange({ ...value, [criterion]: [""] });
                  focusPath(`${path}.${criterion}.0`);
                }
              }}
            >
              {CRITERION_TEXT[criterion].item}
            </button>
          ))}
        </div>
      ) : null}
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// Requirement

function Choice<T extends string>({ name, value, current, onChange, children }: { name: string; value: T; current: T; onChange: (value: T) => void; children: ReactNode }) {
  return (
    <label className="choice">
      <input type="radio" name={name} value={value} checked={current === value} onChange={() => onChange(value)} />
      <span>{children}</span>
    </label>
  );
}

/** An ISO 8601 duration box with common values offered and the duration read back in words. */
function DurationField({ path, label, value, list, placeholder, onChange }: { path: string; label: string; value: string; list: string; placeholder: string; onChange: (value: string) => void }) {
  const { errorsAt } = useRuleFields();
  const words = value.trim() ? describeDuration(value) : null;
  const hint = value.trim() === "" ? "Empty: no condition on this." : words ? `= ${words}` : "Not an ISO 8601 duration yet (P7D, P1W, P3M, P1Y, PT4H: upper-case letters).";
  return (
    <Field id={controlId(path)} label={label} errors={errorsAt(path)} hint={hint}>
      {(p: FieldControlProps) => <input {...p} className="mono duration" value={value} list={list} spellCheck={false} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

export function RequirementFields({ value, onChange }: { value: RequirementForm; onChange: (value: RequirementForm) => void }) {
  const { errorsAt, focusPath, forgetIssues, options } = useRuleFields();
  const set = (patch: Partial<RequirementForm>) => onChange({ ...value, ...patch });
  const vaultByKey = new Map(options.vaults.map((v) => [v.armId.toLowerCase(), v]));
  const policyByKey = new Map(options.policies.map((p) => [p.armId.toLowerCase(), p]));
  const subscriptionName = new Map(options.subscriptions.map((s) => [s.id, s.name]));
  const vaultsPath = "requirement.vault.vaults";

  const describeVault = (armId: string) => {
    const vault = vaultByKey.get(armId.trim().toLowerCase());
    if (!vault) return armId.trim() && options.vaults.length ? "Not a vault in the inventory." : null;
    return `${vault.name} in ${vault.region}, resource group ${vault.resourceGroup}, subscription ${subscriptionName.get(vault.subscriptionId) ?? vault.subscriptionId}`;
  };
  const describePolicy = (armId: string) => {
    const policy = policyByKey.get(armId.trim().toLowerCase());
    if (!policy) return armId.trim() && options.policies.length ? "Not a PostgreSQL backup policy in the inventory." : null;
    return `${policy.name} in ${policy.vaultName} (${policy.region}): ${policyTerms(policy)}`;
  };
  const removeVaultRow = (index: number) => {
    forgetIssues(vaultsPath);
    set({ regionVaults: removeAt(value.regionVaults, index) });
    if (value.regionVaults.length > 1) focusPath(`${vaultsPath}.${Math.min(index, value.regionVaults.length - 2)}.region`);
    else focusPath(vaultsPath, "-add");
  };
  const coverage = value.vaultKind === "perRegion" && value.policyKind === "explicit" ? policiesByVault(value) : [];

  return (
    <>
      <FieldGroup id={controlId("requirement.vault")} legend="Vault" errors={errorsAt("requirement.vault")}>
        <div className="choices">
          <Choice name="rule-vault-kind" value="matchInRegion" current={value.vaultKind} onChange={(vaultKind) => set({ vaultKind })}>
            The vault in the server&apos;s region whose name or tags match
          </Choice>
          <Choice name="rule-vault-kind" value="perRegion" current={value.vaultKind} onChange={(vaultKind) => set({ vaultKind })}>
            A vault named for each region
          </Choice>
        </div>
        {value.vaultKind === "matchInRegion" ? (
          <>
            <Field
              id={controlId("requirement.vault.nameGlob")}
              label="Vault name pattern"
              errors={errorsAt("requirement.vault.nameGlob")}
              hint="A name, or a pattern: * any run of characters, ? one character. Empty: any name (then give tag conditions)."
            >
              {(p) => <input {...p} value={value.vaultNameGlob} list={LISTS.vaultNames} spellCheck={false} placeholder="bv-*" onChange={(e) => set({ vaultNameGlob: e.target.value })} />}
            </Field>
            <TagList
              path="requirement.vault.tags"
              legend="Vault tag conditions (all must hold)"
              hint="Optional. Keys compare ignoring case, values exactly."
              rows={value.vaultTags}
              onChange={(vaultTags) => set({ vaultTags })}
              keyList={LISTS.vaultTagKeys}
              keepWhenEmpty
            />
          </>
        ) : (
          <FieldGroup id={controlId(vaultsPath)} legend="Vaults per region" hint="One vault per region; servers in other regions cannot comply." errors={errorsAt(vaultsPath)} className="list-group">
            {value.regionVaults.length === 0 ? <p className="muted">None yet.</p> : null}
            {value.regionVaults.map((row, index) => {
              const at = `${vaultsPath}.${index}`;
              const update = (patch: Partial<typeof row>) => set({ regionVaults: replaceAt(value.regionVaults, index, { ...row, ...patch }) });
              const region = row.region.trim().replace(/ /g, "").toLowerCase();
              const list = options.vaults.some((v) => v.region === region) ? vaultListFor(region) : LISTS.vaults;
              return (
                <FieldGroup key={index} id={controlId(at)} legend={`Vault for region ${index + 1}`} errors={errorsAt(at)} className="tag-row">
                  <div className="row-controls">
                    <Field id={controlId(`${at}.region`)} label="Region" errors={errorsAt(`${at}.region`)}>
                      {(p) => <input {...p} value={row.region} list={LISTS.regions} spellCheck={false} placeholder="westeurope" onChange={(e) => update({ region: e.target.value })} />}
                    </Field>
                    <Field id={controlId(`${at}.vaultArmId`)} label="Vault id" errors={errorsAt(`${at}.vaultArmId`)} hint={describeVault(row.vaultArmId) ?? undefined} className="grow">
                      {(p) => <input {...p} className="mono" value={row.vaultArmId} list={list} spellCheck={false} placeholder="/subscriptions/.../backupVaults/name" onChange={(e) => update({ vaultArmId: e.target.value })} />}
                    </Field>
                    <button type="button" className="secondary-inline row-remove" aria-label={`Remove vault for region ${index + 1}`} onClick={() => removeVaultRow(index)}>
                      Remove
                    </button>
                  </div>
                </FieldGroup>
              );
            })}
            <button
              type="button"
              id={`${controlId(vaultsPath)}-add`}
              className="secondary-inline"
              onClick={() => {
                set({ regionVaults: [...value.regionVaults, { region: "", vaultArmId: "" }] });
                focusPath(`${vaultsPath}.${value.regionVaults.length}.region`);
              }}
            >
              Add {value.regionVaults.length ? "another " : ""}region
            </button>
          </FieldGroup>
        )}
      </FieldGroup>

      <FieldGroup id={controlId("requirement.policy")} legend="Backup policy" errors={errorsAt("requirement.policy")}>
        <div className="choices">
          <Choice name="rule-policy-kind" value="constraints" current={value.policyKind} onChange={(policyKind) => set({ policyKind })}>
            Any policy that meets constraints
          </Choice>
          <Choice name="rule-policy-kind" value="explicit" current={value.policyKind} onChange={(policyKind) => set({ policyKind })}>
            A policy named for each vault
          </Choice>
        </div>
        {value.policyKind === "constraints" ? (
          <div className="row-controls">
            <DurationField path="requirement.policy.minRetention" label="Minimum retention" value={value.minRetention} list={LISTS.retentions} placeholder="P3M" onChange={(minRetention) => set({ minRetention })} />
            <DurationField
              path="requirement.policy.maxBackupInterval"
              label="Maximum interval between backups"
              value={value.maxBackupInterval}
              list={LISTS.intervals}
              placeholder="P1W"
              onChange={(maxBackupInterval) => set({ maxBackupInterval })}
            />
          </div>
        ) : (
          <>
            <TextList
              path="requirement.policy.policyArmIds"
              legend="Policies (one per vault)"
              hint="Backup policy ids: {vault id}/backupPolicies/{name}."
              item="Policy"
              values={value.policyArmIds}
              onChange={(policyArmIds) => set({ policyArmIds })}
              list={LISTS.policies}
              mono
              describe={describePolicy}
              keepWhenEmpty
            />
            {coverage.length ? (
              <div className="coverage">
                <p className="muted">Each vault named above needs one of its policies here:</p>
                <ul className="plain" data-testid="policy-coverage">
                  {coverage.map((entry) => {
                    const vault = vaultByKey.get(entry.vaultArmId.toLowerCase());
                    const name = vault?.name ?? entry.vaultArmId;
                    const candidates = options.policies.filter((p) => p.vaultArmId.toLowerCase() === entry.vaultArmId.toLowerCase());
                    return (
                      <li key={entry.row}>
                        <strong>{name}:</strong>{" "}
                        {entry.policyArmId ? (
                          <span>{policyByKey.get(entry.policyArmId.toLowerCase())?.name ?? entry.policyArmId.split("/").pop()}</span>
                        ) : (
                          <>
                            <span className="error">no policy yet</span>
                            {candidates.map((p) => (
                              <button
                                key={p.armId}
                                type="button"
                                className="secondary-inline"
                                aria-label={`Add policy ${p.name} of vault ${name}`}
                                onClick={() => {
                                  forgetIssues("requirement.policy.policyArmIds");
                                  set({ policyArmIds: [...value.policyArmIds.filter((id) => id.trim() !== ""), p.armId] });
                                }}
                              >
                                Add {p.name}
                              </button>
                            ))}
                          </>
                        )}
                      </li>
                    );
                  })}
                </ul>
              </div>
            ) : null}
          </>
        )}
      </FieldGroup>

      <FieldGroup id={controlId("requirement.roleAssignment")} legend="Missing roles of the vault's identity" errors={errorsAt("requirement.roleAssignment")}>
        <div className="choices">
          <Choice name="rule-role-assignment" value="templateOnly" current={value.roleAssignment} onChange={(roleAssignment) => set({ roleAssignment })}>
            Hand out role-assignment templates for an owner to deploy (templateOnly)
          </Choice>
          <Choice name="rule-role-assignment" value="assign" current={value.roleAssignment} onChange={(roleAssignment) => set({ roleAssignment })}>
            Flexguard may assign them itself, where its principal is allowed to (assign)
          </Choice>
        </div>
      </FieldGroup>
    </>
  );
}
