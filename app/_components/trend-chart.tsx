"use client";
// The overview's trend: compliant, non-compliant and other servers per day, from the daily aggregates.
import { useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

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
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            {/* Stacked bars rather than areas: a single day (a fresh installation) still draws. */}
            <Bar dataKey="compliant" name="Compliant" stackId="servers" fill="#4ac26b" isAnimationActive={false} />
            <Bar dataKey="nonCompliant" name="Non-compliant" stackId="servers" fill="#d1242f" isAnimationActive={false} />
            <Bar dataKey="other" name="Other states" stackId="servers" fill="#8c959f" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      ) : (
        <p className="muted">Loading the chart...</p>
      )}
    </div>
  );
}
