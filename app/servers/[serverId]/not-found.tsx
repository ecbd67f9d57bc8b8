import Link from "next/link";

export default function ServerNotFound() {
  return (
    <>
      <h1>Server not found</h1>
      <p className="empty">
        This server could not be found: it does not exist, or it is outside your subscriptions. <Link href="/servers">Back to the servers</Link>
      </p>
    </>
  );
}
