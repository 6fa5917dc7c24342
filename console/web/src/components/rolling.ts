// The data of a live chart: a rolling window of samples, one column per series (uPlot's aligned layout).
import type uPlot from 'uplot'

export interface RollingSeries {
  names: string[]
  data: uPlot.AlignedData
}

/**
 * Appends one sample to a rolling window: each series named in `values` gets its value, the others null (a
 * partition that appears later starts with nulls), and at most `maxPoints` samples stay.
 */
export function appendSample(
  previous: RollingSeries,
  timeSeconds: number,
  values: Record<string, number>,
  maxPoints: number,
): RollingSeries {
  const names = [...previous.names]
  for (const name of Object.keys(values)) if (!names.includes(name)) names.push(name)
  names.sort()
  const x = [...(previous.data[0] as number[]), timeSeconds]
  const columns = names.map((name) => {
    const old = previous.names.indexOf(name)
    const before =
      old < 0 ? new Array<number | null>(x.length - 1).fill(null) : [...(previous.data[old + 1] as (number | null)[])]
    before.push(values[name] ?? null)
    return before
  })
  const drop = Math.max(0, x.length - maxPoints)
  return { names, data: [x.slice(drop), ...columns.map((column) => column.slice(drop))] as uPlot.AlignedData }
}
