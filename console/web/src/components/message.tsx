// One record in full: the decoded value (Avro as JSON) with its schema, the headers, the raw position.
import type { Message } from '../api/types.ts'
import { formatTime, Json } from './ui.tsx'

export function MessageDetail({ message }: { message: Message }) {
  const headers = Object.entries(message.headers)
  return (
    <div class="grid2" data-testid="message-detail">
      <div class="stack">
        <div class="small">
          <strong>{message.valueFormat}</strong>
          {message.subject ? ` · subject ${message.subject}` : ''}
          {message.schemaId !== undefined ? <span data-testid="schema-id"> · schema id {message.schemaId}</span> : null}
          {message.schemaVersion !== undefined ? ` · version ${message.schemaVersion}` : ''}
          {` · ${message.size} bytes · ${formatTime(message.timestamp)}`}
        </div>
        {message.decodeError ? <p class="error">{message.decodeError}</p> : null}
        <Json value={message.value} />
      </div>
      <div>
        <h3>Headers</h3>
        <table>
          <tbody>
            {headers.map(([name, value]) => (
              <tr key={name}>
                <td class="mono small">{name}</td>
                <td class="mono small">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {headers.length ? null : <p class="muted small">no headers</p>}
      </div>
    </div>
  )
}
