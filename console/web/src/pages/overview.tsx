// Brokers and their health, the registry, events in/out per second (live), topics with their partitions,
// offsets, sizes and configs.
import { useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import { useEventStream } from '../api/sse.ts'
import type { ThroughputSample } from '../api/types.ts'
import { Chart, useRollingSeries } from '../components/chart.tsx'
import { Badge, ErrorLine, formatBytes, Section, useLoad } from '../components/ui.tsx'
import { href, type Route, replaceQuery } from '../router.ts'

export function OverviewPage({ route }: { route: Route }) {
  const cluster = useLoad((signal) => api.overview({ signal }), [])
  const list = useLoad((signal) => api.topics({ signal }), [])
  const [selected, setSelected] = useState(route.query.get('topic') ?? '')
  const choose = (name: string) => {
    setSelected(name)
    replaceQuery({ topic: name })
  }
  return (
    <div>
      <div class="grid2">
        <Section
          title="Cluster"
          actions={
            <button type="button" onClick={cluster.reload}>
              Refresh
            </button>
          }
        >
          <ErrorLine error={cluster.error} />
          {cluster.data ? (
            <div class="stack">
              <div class="small muted">
                cluster <code>{cluster.data.clusterId}</code> · controller {cluster.data.controllerId} ·{' '}
                {cluster.data.topics} topics · {cluster.data.partitions} partitions · {cluster.data.groups} groups
              </div>
              <table data-testid="brokers">
                <thead>
                  <tr>
                    <th>broker</th>
                    <th>address</th>
                    <th>role</th>
                    <th>health</th>
                  </tr>
                </thead>
                <tbody>
                  {cluster.data.brokers.map((broker) => (
                    <tr key={broker.id}>
                      <td>{broker.id}</td>
                      <td class="mono">
                        {broker.host}:{broker.port}
                      </td>
                      <td>{broker.isController ? 'controller' : 'broker'}</td>
                      <td>{broker.healthy ? <Badge kind="ok">up</Badge> : <Badge kind="bad">down</Badge>}</td>
                    </tr>
                  ))}
                  <tr>
                    <td>registry</td>
                    <td class="mono">{cluster.data.registry.url}</td>
                    <td>{cluster.data.registry.subjects ?? '–'} subjects</td>
                    <td>
                      {cluster.data.registry.healthy ? <Badge kind="ok">up</Badge> : <Badge kind="bad">down</Badge>}
                    </td>
                  </tr>
                </tbody>
              </table>
              {cluster.data.underReplicatedPartitions ? (
                <Badge kind="warn">{cluster.data.underReplicatedPartitions} under-replicated partitions</Badge>
              ) : (
                <Badge kind="ok">all partitions fully replicated</Badge>
              )}
            </div>
          ) : null}
        </Section>
        <Throughput />
      </div>
      <Section
        title="Topics"
        actions={
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
        }
      >
        <ErrorLine error={list.error} />
        <table data-testid="topics">
          <thead>
            <tr>
              <th>topic</th>
              <th class="num">partitions</th>
              <th class="num">replication</th>
              <th class="num">messages</th>
              <th class="num">size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.topics.map((t) => (
              <tr
                key={t.name}
                data-topic={t.name}
                class={`clickable ${t.name === selected ? 'selected' : ''}`}
                onClick={() => choose(t.name)}
              >
                <td>
                  {t.name} {t.internal ? <Badge>internal</Badge> : null}
                </td>
                <td class="num">{t.partitions}</td>
                <td class="num">{t.replicationFactor}</td>
                <td class="num">{t.messages}</td>
                <td class="num">{formatBytes(t.sizeBytes ?? undefined)}</td>
                <td>
                  <a href={href('/messages', { topic: t.name })} onClick={(e) => e.stopPropagation()}>
                    messages
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {selected ? <TopicPanel name={selected} /> : null}
    </div>
  )
}

function Throughput() {
  const rates = useRollingSeries(180)
  const [last, setLast] = useState<ThroughputSample>()
  const stream = useEventStream<ThroughputSample>(
    api.throughputPath,
    {},
    (sample) => {
      setLast(sample)
      rates.push(Date.parse(sample.at) / 1000, { 'in /s': sample.inPerSec, 'out /s': sample.outPerSec })
    },
    ['sample'],
  )
  return (
    <Section
      title="Events per second"
      actions={
        <span class={`live ${stream.connected ? 'on' : ''}`} data-testid="rates">
          {last ? `in ${last.inPerSec.toFixed(1)}/s · out ${last.outPerSec.toFixed(1)}/s` : 'live'}
        </span>
      }
    >
      <ErrorLine error={stream.error} />
      <Chart series={rates.names} data={rates.data} unit="events/s" height={200} />
    </Section>
  )
}

function TopicPanel({ name }: { name: string }) {
  const detail = useLoad((signal) => api.topic(name, { signal }), [name])
  const [showAll, setShowAll] = useState(false)
  const configs = Object.entries(detail.data?.configs ?? {}).filter(
    ([key]) => showAll || detail.data?.overrides.includes(key),
  )
  return (
    <Section title={`Topic ${name}`}>
      <ErrorLine error={detail.error} />
      {detail.data ? (
        <div class="grid2">
          <table data-testid="partitions">
            <thead>
              <tr>
                <th class="num">partition</th>
                <th class="num">leader</th>
                <th>replicas / isr</th>
                <th class="num">low</th>
                <th class="num">high</th>
                <th class="num">size</th>
              </tr>
            </thead>
            <tbody>
              {detail.data.partitions.map((p) => (
                <tr key={p.partition}>
                  <td class="num">{p.partition}</td>
                  <td class="num">{p.leader}</td>
                  <td>
                    {p.replicas.join(',')} / {p.isr.join(',')}
                  </td>
                  <td class="num">{p.low}</td>
                  <td class="num">{p.high}</td>
                  <td class="num">{formatBytes(p.sizeBytes ?? undefined)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div>
            <label class="check">
              <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} /> show
              inherited configs too ({Object.keys(detail.data.configs).length})
            </label>
            <table data-testid="configs">
              <tbody>
                {configs.map(([key, value]) => (
                  <tr key={key}>
                    <td class="mono">{key}</td>
                    <td class="mono">{value ?? '(sensitive)'}</td>
                  </tr>
                ))}
                {configs.length ? null : (
                  <tr>
                    <td class="muted">no overrides: every config is the broker's default</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </Section>
  )
}
