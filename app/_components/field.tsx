"use client";
// A form field: its label, the control (given the id and error wiring) and the errors the API named for it.
import { useId, type ReactNode } from "react";

export interface FieldControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

export function Field({ label, errors, inline, children }: { label: string; errors?: string[]; inline?: boolean; children: (props: FieldControlProps) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className={inline ? "field field-inline" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(errors?.length ? { "aria-invalid": true as const, "aria-describedby": errorId } : {}) })}
      {errors?.length ? (
        <ul id={errorId} className="field-error">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
