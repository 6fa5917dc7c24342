import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { uniqueName } from '../../../../test/support/index.ts'
import { buildTestService } from '../support.ts'

let service: Awaited<ReturnType<typeof buildTestService>>

before(async () => {
  // The topic is never consumed here: nothing is started, only the registry is read.
  service = await buildTestService(uniqueName('ec-metrics'))
})
after(() => service.cleanup())

test('/metrics answers in the Prometheus text format with consumer, service and process metrics', async () => {
  const response = await service.app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(response.statusCode, 200)
  assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/)
  const body = response.body
  for (const name of [
    'grimos_consumer_events_processed_total',
    'grimos_consumer_processing_seconds',
    'grimos_consumer_dlq_writes_total',
    'grimos_event_consumer_read_model_writes_total',
    'grimos_event_consumer_dlq_decisions_total',
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`)
  }
  assert.match(body, /^process_cpu_user_seconds_total\{service="event-consumer"\} \d/m, 'labelled with the service')
})

test('/metrics needs no token (Prometheus scrapes it) but the DLQ and read APIs do', async () => {
  for (const url of ['/dlq/records', '/users/someone', '/audit']) {
    const response = await service.app.inject({ method: 'GET', url })
    assert.equal(response.statusCode, 401, url)
  }
})
