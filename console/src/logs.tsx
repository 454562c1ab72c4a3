import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from './gql/index.ts';
import { formatTime } from './status.ts';
import { usePageTitle } from './title.ts';

/** The API gives at most 100 entries at once (`logs(first:)` refuses more). */
const LogsQuery = graphql(`
  query ConsoleLogs { logs(first: 100) { createdAt message siteId } engineStatus { running sites up down pending paused maintenance queueDepth droppedWrites checksPerMinute } }
`);

const LogAdded = graphql(`
  subscription ConsoleLogAdded { logAdded { createdAt message siteId } }
`);

const EngineStatusChanged = graphql(`
  subscription ConsoleEngineStatus { engineStatus { running sites up down pending paused maintenance queueDepth droppedWrites checksPerMinute } }
`);

interface Entry {
  createdAt: string;
  message: string;
}

/** The engine's log, newest first, with the entries that arrived since the page opened on top; and engine status. */
export function Logs() {
  usePageTitle('Logs');
  const [{ data, error }] = useQuery({ query: LogsQuery });
  const [{ data: live }] = useSubscription({ query: LogAdded }, (seen: Entry[] = [], event) => [event.logAdded, ...seen].slice(0, 200));
  const [{ data: engine }] = useSubscription({ query: EngineStatusChanged });
  const status = engine?.engineStatus ?? data?.engineStatus;
  const entries = [...(live ?? []), ...(data?.logs ?? [])];
  return (
    <section class="logs">
      <h1>Engine</h1>
      {error ? (
        <p class="error" role="alert">
          {error.message}
        </p>
      ) : null}
      {status ? (
        <p class="engine-status">
          {status.running ? 'running' : 'stopped'} · {status.sites} sites · {status.up} up · {status.down} down · {status.pending} pending · {status.paused}{' '}
          paused · {status.maintenance} in maintenance · {status.checksPerMinute.toFixed(1)} checks/min · queue {status.queueDepth} · {status.droppedWrites}{' '}
          dropped
        </p>
      ) : null}
      <h2>Log</h2>
      <ol class="log">
        {entries.map((e, i) => (
          <li key={`${e.createdAt}-${i}`}>
            <time>{formatTime(e.createdAt)}</time> {e.message}
          </li>
        ))}
      </ol>
    </section>
  );
}
