import type { SiteStatus } from './gql/graphql.ts';
import { statusTone } from './status.ts';

interface Point {
  latencyMs?: number | null;
  status: SiteStatus;
}

const WIDTH = 120;
const HEIGHT = 24;
const SLOTS = 60;

/**
 * The last 60 results as bars, one path per colour: a few SVG elements per row whatever the number of results, so a
 * dashboard of 1,000 sites stays light. Bar height is latency against the row's slowest; a failure is full height.
 */
export function Sparkline({ points }: { points: readonly Point[] }) {
  const max = Math.max(1, ...points.map((p) => p.latencyMs ?? 0));
  const bar = WIDTH / SLOTS;
  const paths: Record<string, string> = { good: '', warn: '', bad: '', idle: '' };
  const offset = SLOTS - points.length;
  points.forEach((p, i) => {
    const tone = statusTone(p.status);
    const h = tone === 'good' ? Math.max(2, ((p.latencyMs ?? 0) / max) * HEIGHT) : HEIGHT;
    const x = (offset + i) * bar;
    paths[tone] += `M${x.toFixed(1)} ${HEIGHT}v${(-h).toFixed(1)}h${(bar * 0.7).toFixed(1)}v${h.toFixed(1)}z`;
  });
  return (
    <svg class="spark" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} aria-hidden="true">
      {Object.entries(paths).map(([tone, d]) => (d ? <path key={tone} class={`fill-${tone}`} d={d} /> : null))}
    </svg>
  );
}
