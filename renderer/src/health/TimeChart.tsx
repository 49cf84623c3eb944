import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TimeSeries {
  readonly label: string;
  readonly values: readonly number[];
  /** A CSS colour; the palette's variables are read at draw time. */
  readonly stroke: string;
}

interface TimeChartProps {
  readonly title: string;
  readonly unit: string;
  /** Sample times in epoch milliseconds, oldest first. */
  readonly times: readonly number[];
  readonly series: readonly TimeSeries[];
}

const chartHeight = 120;
const chartWidth = 360;

/** Resolves a palette variable to an rgb() colour for the canvas (it cannot read `light-dark()` itself). */
function cssColour(value: string, element: HTMLElement): string {
  if (!value.startsWith('--')) return value;
  const probe = document.createElement('span');
  probe.style.color = `var(${value})`;
  element.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour || '#888';
}

/** A small live line chart (uPlot draws on a canvas); the data is replaced on each render. */
export function TimeChart({ title, unit, times, series }: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const shape = series.map((entry) => entry.label).join('|');

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const axisColour = cssColour('--muted', element);
    const plot = new uPlot(
      {
        width: chartWidth,
        height: chartHeight,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: true } },
        axes: [
          { stroke: axisColour, grid: { show: false }, ticks: { show: false } },
          { stroke: axisColour, size: 70, values: (_plot, ticks) => ticks.map((tick) => `${tick}${unit}`) },
        ],
        series: [{}, ...series.map((entry) => ({ label: entry.label, stroke: cssColour(entry.stroke, element), width: 1.5 }))],
      },
      [[], ...series.map(() => [])],
      element,
    );
    chart.current = plot;
    return () => {
      plot.destroy();
      chart.current = undefined;
    };
    // The chart is rebuilt only when its series change, not for new data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, unit]);

  useEffect(() => {
    chart.current?.setData([times.map((time) => time / 1000), ...series.map((entry) => [...entry.values])]);
  }, [times, series]);

  return (
    <figure className="health-chart">
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={`${title} chart`} />
    </figure>
  );
}
