"use client";
// A form field: its label, the control (given the id and the wiring to its hint and errors), an optional hint, and
// the errors the API named for it. FieldGroup is the same for a group of controls: a fieldset with its legend.
import { useId, type ReactNode } from "react";

export interface FieldControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

function Errors({ id, errors }: { id: string; errors: string[] }) {
  return (
    <ul id={id} className="field-error">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

const describedBy = (...ids: (string | false)[]) => ids.filter(Boolean).join(" ") || undefined;

export function Field({
  label,
  errors,
  inline,
  id: givenId,
  hint,
  hideLabel,
  className,
  children,
}: {
  label: string;
  errors?: string[];
  inline?: boolean;
  /** A stable id (for links to the control, such as an error summary's); a generated one otherwise. */
  id?: string;
  hint?: ReactNode;
  /** The label is read by assistive technology but not shown (the control sits in a group whose legend says what it is). */
  hideLabel?: boolean;
  className?: string;
  children: (props: FieldControlProps) => ReactNode;
}) {
  const generated = useId();
  const id = givenId ?? generated;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const invalid = !!errors?.length;
  const describe = describedBy(hint !== undefined && hint !== null && hintId, invalid && errorId);
  return (
    <div className={[inline ? "field field-inline" : "field", className].filter(Boolean).join(" ")}>
      <label htmlFor={id} className={hideLabel ? "visually-hidden" : undefined}>
        {label}
      </label>
      {children({ id, ...(invalid ? { "aria-invalid": true as const } : {}), ...(describe ? { "aria-describedby": describe } : {}) })}
      <HintAndErrors hint={hint} hintId={hintId} errors={errors} errorId={errorId} />
    </div>
  );
}

/** A control's or group's hint and errors, under the ids its aria-describedby names. */
function HintAndErrors({ hint, hintId, errors, errorId }: { hint?: ReactNode; hintId: string; errors?: string[]; errorId: string }) {
  return (
    <>
      {hint !== undefined && hint !== null ? (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      ) : null}
      {errors?.length ? <Errors id={errorId} errors={errors} /> : null}
    </>
  );
}

/** Controls that belong together, under a legend; the errors named for the group as a whole show under the legend. */
export function FieldGroup({
  legend,
  errors,
  id: givenId,
  hint,
  className,
  children,
}: {
  legend: ReactNode;
  errors?: string[];
  id?: string;
  hint?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const generated = useId();
  const id = givenId ?? generated;
  const invalid = !!errors?.length;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    // tabIndex -1: an error summary's link can move focus to the group.
    <fieldset
      id={id}
      tabIndex={-1}
      className={[invalid ? "group group-invalid" : "group", className].filter(Boolean).join(" ")}
      aria-describedby={describedBy(hint !== undefined && hint !== null && hintId, invalid && errorId)}
    >
      <legend>{legend}</legend>
      <HintAndErrors hint={hint} hintId={hintId} errors={errors} errorId={errorId} />
      {children}
    </fieldset>
  );
}
