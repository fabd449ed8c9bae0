/** A bar chart of attendance rates; Chart.js is loaded only when a chart is shown (the teacher board never loads it). */
import { useEffect, useRef } from 'react';

export interface RatePoint {
  label: string;
  rate: number;
}

export function RateChart({ points, title }: { points: RatePoint[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let stopped = false;
    void import('chart.js').then(
      ({ Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip }) => {
        if (stopped || !canvas.current) return;
        Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);
        chart = new Chart(canvas.current, {
          type: 'bar',
          data: {
            labels: points.map((p) => p.label),
            datasets: [
              {
                label: title,
                data: points.map((p) => Math.round(p.rate * 1000) / 10),
                backgroundColor: '#0b5394',
              },
            ],
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } },
          },
        });
      },
    );
    return () => {
      stopped = true;
      chart?.destroy();
    };
  }, [points, title]);
  return (
    <figure className="chart-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${title}: ${points.map((p) => `${p.label} ${Math.round(p.rate * 1000) / 10} %`).join('; ')}`}
      />
    </figure>
  );
}
