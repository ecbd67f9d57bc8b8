"use client";
import { ErrorState } from "@/app/_components/error-state";

export default function Failed({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorState what="The audit log" error={error} reset={reset} />;
}
