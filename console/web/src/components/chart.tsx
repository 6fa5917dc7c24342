// Time-series charts drawn by uPlot. The chart is created once per set of series and fed new data in place,
// so a live view redraws without rebuilding the canvas.
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { appendSample, type RollingSeries } from './rolling.ts'

const palette = ['#4f8cff', '#f2994a', '#27ae60', '#eb5757', '#9b51e0', '#2d9cdb', '#f2c94c', '#6fcf97']

export interface ChartProps {
  /** One label per series. */
  series: string[]
  /** x (unix seconds) first, then one array per series, all of the same length. */
  data: uPlot.AlignedData
  height?: number
  /** Unit shown on the y axis. */
  unit?: string
  title?: string
}

export function Chart({ series, data, height = 220, unit, title }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const seriesKey = series.join('\u0000')
  useEffect(() => {
    const element = box.current
    if (!element) return
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      title,
      series: [
        {},
        ...series.map((label, i) => ({
          label,
          stroke: palette[i % palette.length],
          width: 2,
          points: { show: false },
        })),
      ],
      axes: [{}, { label: unit, size: 60 }],
      scales: {
        // A live chart starts with one or two samples: show at least 30 s, so the axis does not span years.
        x: { time: true, range: (_u, min, max) => (max - min < 30 ? [max - 30, max] : [min, max]) },
        // Rates and lags are counts: from zero, so a small wobble does not look like a cliff.
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      },
      legend: { live: true },
    }
    const chart = new uPlot(options, data, element)
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
    // data is fed by the effect below; the chart is rebuilt only when its series change.
  }, [seriesKey, height, unit, title])
  useEffect(() => {
    plot.current?.setData(data)
  }, [data])
  return <div class="chart" ref={box} />
}

/** A rolling window of samples for a live chart (see appendSample). */
export function useRollingSeries(maxPoints = 120) {
  const [state, setState] = useState<RollingSeries>({ names: [], data: [[]] })
  const push = (timeSeconds: number, values: Record<string, number>) =>
    setState((previous) => appendSample(previous, timeSeconds, values, maxPoints))
  return { names: state.names, data: state.data, push }
}
