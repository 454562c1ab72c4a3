import { useMutation, useQuery, useSubscription } from '@urql/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ItemAction } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { SlaFragment } from './gql/graphql.ts';
import { LatencyChart } from './latency-chart.tsx';
import { useCanEdit } from './role.ts';
import { navigate } from './route.ts';
import { formatDuration, formatMs, formatPercent, formatTime, judged, sinceMinute, statusLabel, statusTone } from './status.ts';
import { targetOf } from './target.ts';
import { usePageTitle } from './title.ts';

export const SlaFragmentDoc = graphql(`
  fragment Sla on UptimeReport { uptimePercent downtimeSeconds outageCount longestOutageSeconds mttrSeconds mtbfSeconds }
`);

const SiteDetailQuery = graphql(`
  query SiteDetail($id: ID!, $from: DateTime!, $to: DateTime!, $since24: DateTime!, $since7: DateTime!, $since90: DateTime!, $timeZone: String!) {
    site(id: $id) {
      ...SiteLive
      name
      type
      url
      hostname
      port
      interval
      description
      failureCount
      statusChangedAt
      createdAt
      pushToken
      latency(from: $from, to: $to, step: 900) { start p50 p95 count }
      dailyUptime(days: 30, timeZone: $timeZone) { date uptimePercent outageCount }
      sla24: uptime(from: $since24) { ...Sla }
      sla7: uptime(from: $since7) { ...Sla }
      sla30: uptime { ...Sla }
      sla90: uptime(from: $since90) { ...Sla }
      stateChanges(first: 20) { edges { node { from to reason changedAt } } }
      checks(first: 20) { edges { node { checkedAt up status latencyMs statusCode message } } }
    }
  }
`);

const SiteEvents = graphql(`
  subscription SiteDetailEvents($ids: [ID!]) {
    checkCompleted(siteIds: $ids) { check { siteId } site { ...SiteLive } }
  }
`);

/** An edit or a delete made elsewhere: the page is read again (a deleted site then answers null). */
const SiteChanges = graphql(`
  subscription SiteDetailChanges($ids: [ID!]) {
    siteChanged(siteIds: $ids) { siteId site { id } }
  }
`);

const PauseMutation = graphql(`
  mutation ConsoleSetPaused($input: SetSitePausedInput!) {
    setSitePaused(input: $input) {
      __typename
      ... on SitePayload { site { ...SiteLive } }
      ... on Error { message }
    }
  }
`);

const CheckNowMutation = graphql(`
  mutation ConsoleCheckNow($input: IdInput!) {
    checkSiteNow(input: $input) {
      __typename
      ... on SitePayload { site { ...SiteLive } }
      ... on Error { message }
    }
  }
`);

const RotateMutation = graphql(`
  mutation ConsoleRotatePushToken($input: IdInput!) {
    rotatePushToken(input: $input) {
      __typename
      ... on SitePayload { site { id pushToken } }
      ... on Error { message }
    }
  }
`);

const DeleteMutation = graphql(`
  mutation ConsoleDeleteSite($input: DeleteInput!) {
    deleteSite(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 15-minute buckets over the last 24 hours: 96 points. */
const CHART_STEP_MS = 900_000;

function chartWindow(): { from: string; to: string } {
  const now = Date.now();
  return { from: new Date(Math.floor((now - DAY_MS) / CHART_STEP_MS) * CHART_STEP_MS).toISOString(), to: new Date(now).toISOString() };
}

export function SiteDetail({ id }: { id: string }) {
  const canEdit = useCanEdit();
  const variables = useMemo(
    () => ({
      id,
      ...chartWindow(),
      since24: sinceMinute(DAY_MS),
      since7: sinceMinute(7 * DAY_MS),
      since90: sinceMinute(90 * DAY_MS),
      // The days of the reader's calendar (the API's default is UTC's): "today" is their today.
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    }),
    [id],
  );
  const [{ data, error }, refetch] = useQuery({ query: SiteDetailQuery, variables });
  usePageTitle(data?.site?.name ?? null);
  // Each check of this site: the live fields update in the cache; the history below is read again.
  const reread = (_: unknown, event: unknown) => {
    refetch({ requestPolicy: 'network-only' });
    return event;
  };
  useSubscription({ query: SiteEvents, variables: { ids: [id] } }, reread);
  useSubscription({ query: SiteChanges, variables: { ids: [id] } }, reread);
  const [message, setMessage] = useState<string | null>(null);
  const report = (answer: { __typename?: string; message?: string } | undefined, failure?: string) =>
    setMessage(answer && 'message' in answer && answer.message ? answer.message : (failure ?? null));
  // null until the delete question is first asked: then true while it is, false once withdrawn.
  const [confirming, setConfirming] = useState<boolean | null>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  // The button that had the focus is replaced: the focus would fall to the page's start and a keyboard user lose
  // their place. Cancel, the harmless answer, takes it when the question is asked; Delete gets it back when withdrawn.
  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
    else if (confirming === false) deleteButton.current?.focus();
  }, [confirming]);
  const [, setPaused] = useMutation(PauseMutation);
  const [, checkNow] = useMutation(CheckNowMutation);
  const [, deleteSite] = useMutation(DeleteMutation);
  const [, rotate] = useMutation(RotateMutation);
  // Read when the toggle runs, not when it was made: the key's listener is installed after a paint, so it may run
  // before the effect that would hand it the newest value (a `p` right after a click paused it again).
  const paused = useRef<boolean | undefined>(undefined);
  paused.current = data?.site?.paused;

  const togglePause = async () => {
    if (paused.current === undefined) return;
    const r = await setPaused({ input: { id, paused: !paused.current } });
    report(r.data?.setSitePaused, r.error?.message);
  };
  // The listener below outlives a render: it calls the newest toggle, not the one of the render that installed it.
  const toggleNow = useRef(togglePause);
  toggleNow.current = togglePause;
  // `p` pauses or resumes, as in the original (not while typing in a field).
  useEffect(() => {
    if (!canEdit) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== 'p' || event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select')) return;
      void toggleNow.current();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [canEdit]);

  if (error && !data) return <p class="error">{error.message}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  const site = data.site;
  if (!site) return <p class="error">No such monitor.</p>;

  const tone = statusTone(site.displayStatus);
  const target = targetOf(site);
  const pushUrl = site.pushToken ? `${location.origin}/api/push/${site.pushToken}` : null;

  return (
    <section class="detail">
      <h1>
        <span class={`badge bg-${tone}`} data-status={site.displayStatus}>
          {statusLabel(site.displayStatus)}
        </span>{' '}
        {site.name}
      </h1>
      <p class="muted">
        {site.type}
        {target ? ` · ${target}` : ''} · every {site.interval}s · {formatMs(site.latencyMs)}
        {site.statusCode ? ` · HTTP ${site.statusCode}` : ''} · since {formatTime(site.statusChangedAt)}
      </p>
      {site.lastError && tone !== 'good' ? <p class="error-line">{site.lastError}</p> : null}
      {canEdit ? (
        <div class="actions">
          <button type="button" onClick={togglePause}>
            {site.paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            disabled={site.paused}
            onClick={async () => {
              const r = await checkNow({ input: { id } });
              report(r.data?.checkSiteNow, r.error?.message);
              refetch({ requestPolicy: 'network-only' });
            }}
          >
            Check now
          </button>
          <button type="button" onClick={() => navigate(`#/edit/${encodeURIComponent(id)}`)}>
            Edit
          </button>
          {confirming ? (
            <span class="confirm">
              Delete {site.name} and its history?{' '}
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  const r = await deleteSite({ input: { id } });
                  if (r.data?.deleteSite.__typename === 'DeletePayload') navigate('#/');
                  else report(r.data?.deleteSite, r.error?.message);
                }}
              >
                <ItemAction action="Yes, delete" item={site.name} />
              </button>
              <button type="button" class="secondary" ref={cancelButton} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" class="danger" ref={deleteButton} onClick={() => setConfirming(true)}>
              <ItemAction action="Delete" item={site.name} />
            </button>
          )}
        </div>
      ) : null}
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      {pushUrl ? (
        <p class="push">
          Push URL: <code>{`curl -fsS ${pushUrl}`}</code>{' '}
          <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(`curl -fsS ${pushUrl}`)}>
            Copy
          </button>{' '}
          {canEdit ? (
            <button
              type="button"
              class="secondary"
              onClick={async () => {
                if (!confirm('A new push token: the old URL stops working at once. Rotate?')) return;
                const r = await rotate({ input: { id } });
                report(r.data?.rotatePushToken, r.error?.message);
              }}
            >
              Rotate token
            </button>
          ) : null}
        </p>
      ) : null}

      <h2>Latency, last 24 hours</h2>
      <LatencyChart buckets={site.latency} from={variables.from} to={variables.to} />

      <h2>Uptime per day</h2>
      <ol class="days" aria-label="Uptime per day">
        {site.dailyUptime.map((d) =>
          judged(site) && dayEnd(d.date) > Date.parse(site.createdAt) ? (
            <li
              key={d.date}
              class={d.uptimePercent >= 99.9 ? 'bg-good' : d.uptimePercent >= 95 ? 'bg-warn' : 'bg-bad'}
              title={`${d.date}: ${formatPercent(d.uptimePercent)}, ${d.outageCount} outages`}
            />
          ) : (
            <li key={d.date} class="no-data" title={`${d.date}: no data`} />
          ),
        )}
      </ol>

      <h2>SLA</h2>
      <table class="sla">
        <thead>
          <tr>
            <th />
            <th>uptime</th>
            <th>downtime</th>
            <th>outages</th>
            <th>longest</th>
            <th>MTTR</th>
            <th>MTBF</th>
          </tr>
        </thead>
        <tbody>
          <SlaRow label="24 h" sla={site.sla24} judged={judged(site)} />
          <SlaRow label="7 d" sla={site.sla7} judged={judged(site)} />
          <SlaRow label="30 d" sla={site.sla30} judged={judged(site)} />
          <SlaRow label="90 d" sla={site.sla90} judged={judged(site)} />
        </tbody>
      </table>

      <h2>State changes</h2>
      <ul class="changes">
        {site.stateChanges.edges.map(({ node }) => (
          <li key={node.changedAt}>
            {formatTime(node.changedAt)}: {statusLabel(node.from)} → <b class={`tone-${statusTone(node.to)}`}>{statusLabel(node.to)}</b> {node.reason}
          </li>
        ))}
        {site.stateChanges.edges.length === 0 ? <li class="muted">None yet.</li> : null}
      </ul>

      <h2>Recent checks</h2>
      <table class="checks" aria-label="Recent checks">
        <tbody>
          {site.checks.edges.map(({ node }) => (
            <tr key={node.checkedAt}>
              <td>{formatTime(node.checkedAt)}</td>
              <td class={`tone-${statusTone(node.status)}`}>{statusLabel(node.status)}</td>
              <td>{formatMs(node.latencyMs)}</td>
              <td>{node.statusCode ?? ''}</td>
              <td class="muted">{node.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The end of a day of `dailyUptime`, asked in the browser's zone: its next local midnight, in epoch ms. */
function dayEnd(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, day + 1).getTime();
}

/** A site never judged has no uptime to show: the API's 100 % would only say it was never down. */
function SlaRow({ label, sla, judged }: { label: string; sla: SlaFragment; judged: boolean }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{formatPercent(judged ? sla.uptimePercent : undefined)}</td>
      <td>{formatDuration(sla.downtimeSeconds)}</td>
      <td>{sla.outageCount}</td>
      <td>{formatDuration(sla.longestOutageSeconds)}</td>
      <td>{formatDuration(sla.mttrSeconds)}</td>
      <td>{formatDuration(sla.mtbfSeconds)}</td>
    </tr>
  );
}
