"use client";
// A client panel's action against the API: clears the last error, is busy while it runs, then refreshes the page
// (or goes to `after`) when it succeeded, or keeps the error's message to show.
import { useRouter } from "next/navigation";
import { useState } from "react";

export function useApiAction() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(fn: () => Promise<unknown>, after?: string) {
    setError(null);
    setBusy(true);
    try {
      await fn();
      if (after) router.push(after);
      else router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return { error, busy, run };
}
