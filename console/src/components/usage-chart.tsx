/**
 * A tenant's usage per month, one bar series per metric (Chart.js): the last six periods
 * of `/api/usage`, the current month last.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import { api, type UsageRow } from "../api.js";
import { useLoad } from "../load.js";
import { Show } from "./view.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = ["#3565d1", "#d1782e", "#2e9d6a", "#a63dc4", "#c43d5a", "#6b7280"];

/** The `count` months ending with the current one, as `YYYY-MM`. */
export function lastPeriods(now: Date, count = 6): string[] {
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1));
    return d.toISOString().slice(0, 7);
  });
}

export function UsageChart({ tenant }: { tenant: string }) {
  const periods = lastPeriods(new Date());
  const loaded = useLoad(async () => (await Promise.all(periods.map((p) => api.usage(tenant, p)))).flat(), [tenant]);
  return <Show loaded={loaded}>{(rows) => <Bars rows={rows} periods={periods} />}</Show>;
}

function Bars({ rows, periods }: { rows: UsageRow[]; periods: string[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current === null) return;
    const metrics = [...new Set(rows.map((r) => r.metric))].sort();
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: periods,
        datasets: metrics.map((metric, i) => ({
          label: metric,
          data: periods.map((p) => rows.filter((r) => r.metric === metric && r.period === p).reduce((n, r) => n + r.quantity, 0)),
          backgroundColor: COLOURS[i % COLOURS.length] ?? "#3565d1",
        })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
    return () => chart.destroy();
  }, [rows, periods.join()]);
  return (
    <div class="chart" data-testid="usage-chart" data-metrics={rows.length}>
      {rows.length === 0 ? <p class="muted">No usage recorded in the last six months.</p> : null}
      <canvas ref={canvas} aria-label="usage per month" />
    </div>
  );
}
