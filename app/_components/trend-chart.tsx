"use client";
// The overview's trend: compliant, non-compliant and other servers per day, from the daily aggregates.
import { useEffect, useState } from "react";
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface TrendRow {
  day: string;
  compliant: number;
  nonCompliant: number;
  other: number;
}

export function TrendChart({ data }: { data: TrendRow[] }) {
  // Rendered in the browser only: server-rendered SVG would carry style attributes, which the nonce-based CSP
  // refuses, while styles React sets from script (CSSOM) are allowed.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (data.length === 0) return <p className="empty">No trend yet: the daily figures start with the first evaluation.</p>;
  return (
    <div className="chart" data-testid="trend-chart">
      {mounted ? (
        <ResponsiveContainer width="100%" height={260}>
          <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Area type="monotone" dataKey="compliant" name="Compliant" stackId="servers" stroke="#1a7f37" fill="#aceebb" isAnimationActive={false} />
            <Area type="monotone" dataKey="nonCompliant" name="Non-compliant" stackId="servers" stroke="#a40e26" fill="#ffcecb" isAnimationActive={false} />
            <Area type="monotone" dataKey="other" name="Other states" stackId="servers" stroke="#57606a" fill="#d0d7de" isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      ) : (
        <p className="muted">Loading the chart...</p>
      )}
    </div>
  );
}
