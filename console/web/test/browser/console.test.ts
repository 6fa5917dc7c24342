// The console in a real browser (headless Debian Chromium) against the real broker, registry and console
// backend: log in, produce from the form and from an NDJSON file with a bad line, browse the messages decoded
// from Avro, dead-letter a poison record through a real consumer, replay it from the DLQ page once the handler
// is fixed and see it handled, follow its trace, and find that a viewer cannot replay.
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, type TestContext, test } from 'node:test'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { eventually } from '../../../../test/support/index.ts'
import { launchBrowser, screenshot } from './browser.ts'
import { type ConsoleUnderTest, startConsoleUnderTest } from './console-server.ts'

// At the top level, so the topic and subjects it creates are cleaned up when the file ends (not after a hook).
const app: ConsoleUnderTest = await startConsoleUnderTest()
let browser: Browser

before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app.close()
})

/** The page a failure is shown on: its screenshot goes to the temp folder, named in the error. */
let current: Page | undefined

/** Set by the first failing step: the later ones build on it, so they are skipped instead of timing out. */
let broken: string | undefined

async function step(t: TestContext, name: string, body: () => Promise<void>): Promise<void> {
  if (broken) {
    await t.test(name, { skip: `needs "${broken}", which failed` }, () => undefined)
    return
  }
  await t.test(name, async () => {
    try {
      await body()
    } catch (error) {
      broken = name
      const file = join(tmpdir(), `console-browser-${name.replace(/\W+/g, '-').slice(0, 60)}.png`)
      const shot = await current?.screenshot({ path: file, fullPage: true }).then(
        () => `screenshot: ${file}`,
        (failure: Error) => `no screenshot: ${failure.message}`,
      )
      throw new Error(`${(error as Error).message}\n${shot ?? 'no page open'}`, { cause: error })
    }
  })
}

async function loggedIn(user: {
  username: string
  password: string
}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  current = page
  await page.goto(app.url)
  await page.locator('input[name=username]').fill(user.username)
  await page.locator('input[name=password]').fill(user.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByTestId('who').waitFor()
  return { context, page }
}

async function go(page: Page, hash: string): Promise<void> {
  await page.goto(`${app.url}/${hash}`)
}

test('an operator works through the console; a viewer cannot replay', async (t) => {
  let page: Page
  let context: BrowserContext

  await step(t, 'log in and see the broker up', async () => {
    const loginPage = await browser.newPage({ viewport: { width: 1360, height: 860 } })
    current = loginPage
    await loginPage.goto(app.url)
    await loginPage.getByRole('button', { name: 'Log in' }).waitFor()
    await screenshot(loginPage, 'login')
    await loginPage.locator('input[name=username]').fill(app.operator.username)
    await loginPage.locator('input[name=password]').fill('not the password')
    await loginPage.getByRole('button', { name: 'Log in' }).click()
    await loginPage.getByRole('alert').waitFor()
    assert.match(await text(loginPage.getByRole('alert')), /CONSOLE_/)
    await loginPage.close()
    ;({ context, page } = await loggedIn(app.operator))
    assert.match(await text(page.getByTestId('who')), /operator/)
    await page.getByTestId('brokers').getByText('up').first().waitFor()
    const topicRow = page.locator(`[data-testid=topics] tr[data-topic="${app.topic}"]`)
    await topicRow.click()
    await page.getByTestId('partitions').waitFor()
  })

  let formEventId = ''
  await step(t, 'produce one event from the form built from the catalog', async () => {
    await go(page, '#/produce')
    await page.locator('select[name=eventType]').selectOption('user_login')
    await page.locator('input[name=userId]').fill(app.userId)
    await page.getByRole('button', { name: 'Send' }).click()
    const ok = page.getByTestId('produce-ok')
    await ok.waitFor()
    assert.match(await text(ok), /Sent user_login/)
    formEventId = (await text(ok.locator('code'))).trim()
    assert.match(formEventId, /^[0-9a-f-]{36}$/)
    await screenshot(page, 'produce')
  })

  await step(t, 'browse the messages decoded from Avro, filtered by user_id', async () => {
    await go(page, `#/messages?topic=${encodeURIComponent(app.topic)}&user_id=${encodeURIComponent(app.userId)}`)
    await page.getByRole('button', { name: 'Search' }).click()
    const row = page.getByTestId('messages').locator('tr.clickable', { hasText: formEventId })
    // On the offset cell: the row's middle is the event id, a link to its trace.
    await row.locator('td').nth(1).click()
    const detail = page.getByTestId('message-detail')
    await detail.waitFor()
    const shown = await text(detail)
    assert.match(shown, /avro/)
    assert.match(shown, /schema id \d+/)
    assert.match(shown, new RegExp(`"event_id": "${formEventId}"`))
    assert.match(shown, /"login_method": "password"/)
    await screenshot(page, 'messages')
  })

  await step(t, 'an NDJSON file with one bad line: the line is reported, the others sent', async () => {
    await go(page, '#/produce?tab=file')
    const line = (n: number) =>
      JSON.stringify({
        eventType: 'user_login',
        userId: app.userId,
        userData: {
          email: `file-${n}@example.com`,
          is_active: true,
          is_superuser: false,
          roles: ['user'],
          login_method: 'password',
          outcome: 'success',
        },
        metadata: { source: 'console-browser-test' },
      })
    const bad = JSON.stringify({ eventType: 'user_login', userId: app.userId, userData: { email: 'no-fields' } })
    await page.locator('input[name=ndjson]').setInputFiles({
      name: 'events.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(`${line(1)}\n${bad}\n${line(3)}\n`),
    })
    const results = page.getByTestId('line-results')
    await results.waitFor()
    const rows = results.locator('tbody tr')
    assert.equal(await rows.count(), 1, 'only the invalid line is listed')
    assert.equal(await rows.first().getAttribute('data-line'), '2')
    assert.match(await text(rows.first()), /invalid/)
    assert.match(await text(page.getByTestId('validation')), /2 valid[\s\S]*1 invalid/)
    await screenshot(page, 'produce-file')
    await page.getByLabel('send the valid lines only').check()
    await page.getByRole('button', { name: /Send 2 events/ }).click()
    await page.getByTestId('sent-summary').waitFor()
    assert.match(await text(page.getByTestId('sent-summary')), /Sent 2 of 3 lines; 1 not sent/)
    const byLine = page.getByTestId('line-results').locator('tbody tr')
    assert.deepEqual(
      await byLine.evaluateAll((rows) => rows.map((r) => r.textContent?.match(/sent|invalid|valid/)?.[0])),
      ['sent', 'invalid', 'sent'],
    )
    // Each sent line says where it landed (one user: one partition, consecutive offsets).
    const where = await byLine.evaluateAll((rows) =>
      rows.map((r) => r.textContent?.match(/partition (\d+) offset (\d+)/)?.slice(1)),
    )
    assert.ok(where[0] && where[2], `positions of lines 1 and 3: ${JSON.stringify(where)}`)
    assert.equal(where[0][0], where[2][0])
    assert.equal(Number(where[2][1]), Number(where[0][1]) + 1)

    // Browse from that partition and offset, oldest first: line 1's record, then line 3's.
    const [partition, offset] = where[0]
    await go(
      page,
      `#/messages?topic=${encodeURIComponent(app.topic)}&partition=${partition}&offset=${offset}&order=oldest`,
    )
    await page.getByRole('button', { name: 'Search' }).click()
    const browsed = page.getByTestId('messages').locator('tbody tr.clickable')
    await browsed.first().waitFor()
    const offsets = await browsed.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[1]?.textContent))
    assert.deepEqual(offsets.slice(0, 2), [offset, String(Number(offset) + 1)])
    assert.match(await text(browsed.first()), /user_login/)
  })

  await step(t, 'a poison record lands in the DLQ; replayed once the handler is fixed, it is handled', async () => {
    const poisonId = await app.sendPoison()
    await go(page, `#/dlq?topic=${encodeURIComponent(`${app.topic}.dlq`)}`)
    const row = page.locator(`[data-testid=dlq-records] tr[data-event-id="${poisonId}"]`)
    // The DLQ listing is read when the page opens: refresh until the consumer has dead-lettered the record.
    await waitWithRefresh(page, row)
    await row.locator('td').first().click()
    const diagnostics = page.getByTestId('diagnostics')
    await diagnostics.waitFor()
    assert.match(await text(diagnostics), /GRIM_HANDLER_FAILED/)
    assert.match(await text(diagnostics), /poison/)
    await screenshot(page, 'dlq')
    app.fixHandler()
    await page.getByTestId('replay-one').click()
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click()
    await page.getByTestId('dlq-outcome').waitFor()
    assert.match(await text(page.getByTestId('dlq-outcome')), new RegExp(`Replayed to ${escapeRegExp(app.topic)} `))
    await app.handled(poisonId)
  })

  await step(t, 'the trace follows the poison record: published, dead-lettered, replayed', async () => {
    const poisonId = app.poisonId()
    await go(page, `#/trace?event_id=${poisonId}`)
    const timeline = page.getByTestId('timeline')
    await timeline.waitFor()
    for (const kind of ['published', 'dead-lettered', 'replayed'])
      await timeline.locator(`li[data-kind="${kind}"]`).first().waitFor()
    assert.match(await text(timeline), /GRIM_HANDLER_FAILED/)
    assert.match(await text(timeline), new RegExp(`by ${escapeRegExp(app.operator.username)}`))
    await screenshot(page, 'trace')
  })

  await step(t, 'groups and schemas pages show the test consumer and the catalog', async () => {
    await go(page, `#/groups?group=${encodeURIComponent(app.groupId)}`)
    await page.getByTestId('members').locator('tbody tr').first().waitFor()
    await page.getByTestId('lag').getByText(app.topic).first().waitFor()
    await screenshot(page, 'groups')
    await go(page, `#/schemas?subject=${encodeURIComponent(app.subject)}`)
    await page.getByTestId('diff').waitFor()
    await page.getByRole('button', { name: 'Check compatibility' }).click()
    await page.getByTestId('check-result').waitFor()
    assert.match(await text(page.getByTestId('check-result')), /^Compatible/)
    await screenshot(page, 'schemas')
  })

  await step(t, 'many dead letters replayed by filter: a preview, then a result per record', async () => {
    app.breakHandler()
    const ids = [await app.sendPoison(), await app.sendPoison()]
    await go(page, `#/dlq?topic=${encodeURIComponent(`${app.topic}.dlq`)}`)
    for (const id of ids)
      await waitWithRefresh(page, page.locator(`[data-testid=dlq-records] tr[data-event-id="${id}"]`))
    app.fixHandler()
    await page.getByRole('button', { name: 'Preview' }).click()
    const preview = page.getByTestId('replay-preview')
    await preview.waitFor()
    assert.match(await text(preview), /2 records would be replayed/)
    await page.getByRole('button', { name: 'Replay 2 records…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Replay them' }).click()
    const results = page.getByTestId('replay-results')
    await results.locator('tbody tr').nth(1).waitFor()
    assert.deepEqual(
      await results.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelector('.badge')?.textContent)),
      ['replayed', 'replayed'],
    )
    assert.match(await text(page.locator('.progress')), /2 \/ 2/)
    await screenshot(page, 'dlq-replay-many')
    for (const id of ids) await app.handled(id)
  })

  await step(t, 'a dead letter discarded with a reason says so', async () => {
    app.breakHandler()
    const id = await app.sendPoison()
    await go(page, `#/dlq?topic=${encodeURIComponent(`${app.topic}.dlq`)}`)
    const row = page.locator(`[data-testid=dlq-records] tr[data-event-id="${id}"]`)
    await waitWithRefresh(page, row)
    app.fixHandler()
    await row.locator('td').first().click()
    await page.getByRole('button', { name: 'Discard…' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('button', { name: 'Discard' }).click()
    await dialog.getByText('a reason is required').waitFor()
    await dialog.locator('input[name=reason]').fill('test data, never valid')
    await dialog.getByRole('button', { name: 'Discard' }).click()
    await page.getByTestId('dlq-outcome').filter({ hasText: 'Discarded' }).waitFor()
    await page.getByText('test data, never valid').waitFor()
    assert.match(await text(page.getByTestId('dlq-status')), /discarded/)
  })

  await step(t, 'the audit log names the operator who replayed, as logged in', async () => {
    await go(page, '#/access')
    const audit = page.getByTestId('audit')
    await audit.locator('tbody tr').first().waitFor()
    const replays = audit.locator('tbody tr', { hasText: 'dlq.replay' })
    assert.ok((await replays.count()) >= 2, 'the single replay and the replay of many')
    for (const row of await replays.all()) assert.equal(await text(row.locator('td').nth(1)), app.operator.username)
    await page.getByTestId('operators').getByRole('cell', { name: app.viewer.username, exact: true }).waitFor()
    await screenshot(page, 'access')
  })

  await step(t, 'live: the tail shows new records, the overview counts them per second', async () => {
    const traffic = app.trickle(8_000)
    try {
      await go(page, `#/messages?topic=${encodeURIComponent(app.topic)}`)
      await page.getByRole('button', { name: 'Tail live' }).click()
      await page.getByTestId('messages').locator('tbody tr').nth(2).waitFor()
      assert.match(await text(page.getByTestId('messages').locator('tbody tr').first()), /user_login/)
      await page.getByRole('button', { name: 'Stop tail' }).click()
      await go(page, '#/')
      // Samples come every second (CONSOLE_SAMPLE_MS): a rate shows once two samples saw the topic grow.
      await page
        .getByTestId('rates')
        .filter({ hasText: /in [1-9]/ })
        .waitFor()
      await page.waitForTimeout(3_000)
      await screenshot(page, 'overview')
    } finally {
      await traffic
    }
  })

  await step(t, "offsets reset once the group's consumers stop: a preview, then a confirmation", async () => {
    await app.stopConsumer()
    await go(page, `#/groups?group=${encodeURIComponent(app.groupId)}`)
    await page.getByText('No members').waitFor()
    await page.locator('select[name=reset-topic]').selectOption(app.topic)
    await page.locator('select[name=reset-to]').selectOption('earliest')
    await page.getByRole('button', { name: 'Preview' }).click()
    const preview = page.getByTestId('reset-preview')
    await preview.locator('tbody tr').first().waitFor()
    // Every partition goes back to 0; those the group had committed on come from a later offset.
    const changes = await preview
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    assert.ok(
      changes.every(([, , to]) => to === '0'),
      JSON.stringify(changes),
    )
    assert.ok(
      changes.some(([, from]) => Number(from) > 0),
      `some partition had committed past 0: ${JSON.stringify(changes)}`,
    )
    await page.getByRole('button', { name: 'Apply reset…' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Reset offsets' }).click()
    await page.getByText(/Offsets of .* reset/).waitFor()
    const moved = new Set(changes.map(([partition]) => partition))
    const committed = async () =>
      (
        await page
          .getByTestId('lag')
          .locator('tbody tr')
          .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')))
      ).filter(([, partition]) => moved.has(partition ?? ''))
    const after = await eventually(committed, (rows) => rows.length > 0 && rows.every(([, , at]) => at === '0'))
    assert.ok(after.length > 0 && after.every(([, , at]) => at === '0'), JSON.stringify(after))
    await context.close()
  })

  await step(t, 'a viewer sees no replay, and the server refuses one anyway', async () => {
    const viewer = await loggedIn(app.viewer)
    const vpage = viewer.page
    assert.match(await text(vpage.getByTestId('who')), /viewer/)
    await go(vpage, `#/dlq?topic=${encodeURIComponent(`${app.topic}.dlq`)}&status=all`)
    const row = vpage.locator(`[data-testid=dlq-records] tr[data-event-id="${app.poisonId()}"]`)
    await row.locator('td').first().click()
    await vpage.getByTestId('diagnostics').waitFor()
    assert.equal(await vpage.getByTestId('replay-one').count(), 0, 'no replay button for a viewer')
    await vpage.getByText('replay and discard are for operators').waitFor()
    // The same request the button would send, with the viewer's session and CSRF token.
    const position = await row.getAttribute('data-position')
    const path = `/api/dlq/${encodeURIComponent(`${app.topic}.dlq`)}/records/${position}/replay`
    const answer = await vpage.evaluate(async (url) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string }
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: '{}',
      })
      return { status: response.status, body: (await response.json()) as { error: { code: string } } }
    }, path)
    assert.equal(answer.status, 403)
    assert.equal(answer.body.error.code, 'CONSOLE_FORBIDDEN')
    await go(vpage, '#/produce')
    await vpage.getByText('Producing is for operators').waitFor()
    await go(vpage, '#/access')
    await vpage.getByTestId('audit').locator('tbody tr').first().waitFor()
    assert.equal(await vpage.getByTestId('operators').count(), 0, 'accounts are for operators')
    // Logging out ends the session on the server, not only on the page.
    await vpage.getByRole('button', { name: 'Log out' }).click()
    await vpage.getByRole('button', { name: 'Log in' }).waitFor()
    const after = await vpage.evaluate(async () => (await (await fetch('/api/session')).json()) as { user: unknown })
    assert.equal(after.user, null)
    await viewer.context.close()
  })
})

/** What a locator shows, as text (its textContent: the assertions match words, not layout). */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? ''
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function waitWithRefresh(page: Page, target: Locator, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await target.count())) {
    if (Date.now() > deadline) throw new Error(`not shown within ${timeoutMs} ms`)
    await page.waitForTimeout(500)
    await page.getByRole('button', { name: 'Refresh' }).first().click()
  }
}
