// The benchmark harness: every benchmark prints the machine it ran on, its samples, and one closing line
//   BENCH <name> <metric>=<value><unit> bound=<value><unit> ratio=<value> ok=<true|false>
// that tests/bench/run.ts collects into a JSON summary. Figures are medians of repeated runs: these
// machines are shared and noisy, so a single sample says little.
import os from "node:os";

export interface BenchResult {
  name: string;
  metric: string;
  value: number;
  unit: string;
  bound: number;
  /** value / bound: below 1 is within the bound when lower is better. */
  ratio: number;
  ok: boolean;
  samples: number[];
  extra?: Record<string, number | string>;
}

export interface BenchSpec {
  name: string;
  metric: string;
  unit: string;
  bound: number;
  /** true when a smaller value is better (durations, memory); false for throughputs. */
  lowerIsBetter: boolean;
  repeats?: number;
  /** One sample: returns the measured value in `unit`. */
  sample: (iteration: number) => Promise<number>;
  /** Extra figures to print beside the main one (peak RSS, 429 count, ...). */
  extra?: () => Record<string, number | string>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machineFacts(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown cpu";
  return `machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

export async function runBench(spec: BenchSpec): Promise<BenchResult> {
  console.log(`# ${spec.name}`);
  console.log(machineFacts());
  const samples: number[] = [];
  for (let i = 0; i < (spec.repeats ?? 5); i++) {
    const v = await spec.sample(i);
    samples.push(v);
    console.log(`  sample ${i + 1}: ${spec.metric}=${round(v)}${spec.unit}`);
  }
  const value = median(samples);
  const ratio = spec.lowerIsBetter ? value / spec.bound : spec.bound / value;
  const result: BenchResult = {
    name: spec.name,
    metric: spec.metric,
    value: round(value),
    unit: spec.unit,
    bound: spec.bound,
    ratio: round(ratio),
    ok: ratio <= 1,
    samples: samples.map(round),
    extra: spec.extra?.(),
  };
  for (const [k, v] of Object.entries(result.extra ?? {})) console.log(`  ${k}: ${v}`);
  console.log(
    `BENCH ${result.name} ${result.metric}=${result.value}${result.unit} bound=${result.bound}${result.unit} ratio=${result.ratio} ok=${result.ok}`,
  );
  return result;
}

/** Prints a closing BENCH line for a single measured figure (a peak, a count) that has no samples of its own. */
export function reportFigure(spec: { name: string; metric: string; unit: string; bound: number; value: number; lowerIsBetter: boolean }): boolean {
  // A bound of zero (e.g. "no 429s") has ratio 0 when met and Infinity when not.
  const ratio = spec.bound === 0 ? (spec.value === 0 ? 0 : Infinity) : round(spec.lowerIsBetter ? spec.value / spec.bound : spec.bound / spec.value);
  const ok = spec.lowerIsBetter ? spec.value <= spec.bound : spec.value >= spec.bound;
  console.log(`BENCH ${spec.name} ${spec.metric}=${round(spec.value)}${spec.unit} bound=${spec.bound}${spec.unit} ratio=${ratio} ok=${ok}`);
  return ok;
}
