"use client";
// The error state of a dashboard view: what failed, the message when there is one to show, and a retry.

export function ErrorState({ what, error, reset }: { what: string; error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="error-box">
      <p>
        {what} could not be loaded. {error.digest ? `The server logged the cause (reference ${error.digest}).` : error.message}
      </p>
      <button type="button" onClick={() => reset()}>
        Try again
      </button>
    </div>
  );
}
