interface Bucket {
  start: string;
  p50?: number | null;
  p95?: number | null;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = 4;

function line(buckets: readonly Bucket[], pick: (b: Bucket) => number | null | undefined, max: number, from: number, span: number): string {
  let d = '';
  let open = false;
  for (const b of buckets) {
    const v = pick(b);
    if (v === null || v === undefined) {
      open = false;
      continue;
    }
    const x = PAD + ((Date.parse(b.start) - from) / span) * (WIDTH - 2 * PAD);
    const y = HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD);
    // A segment's first point is also a dot (round caps), so a lone bucket still shows.
    d += open ? `L${x.toFixed(1)} ${y.toFixed(1)}` : `M${x.toFixed(1)} ${y.toFixed(1)}l0.01 0`;
    open = true;
  }
  return d;
}

/** p50 and p95 per bucket over [from, to], as two lines on one scale; a gap where a bucket has no latency. */
export function LatencyChart({ buckets, from, to }: { buckets: readonly Bucket[]; from: string; to: string }) {
  const start = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - start);
  const max = Math.max(1, ...buckets.map((b) => b.p95 ?? b.p50 ?? 0));
  const p50 = line(buckets, (b) => b.p50, max, start, span);
  const p95 = line(buckets, (b) => b.p95, max, start, span);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Latency chart, p50 and p95">
        <line class="axis" x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} />
        {p95 ? <path class="p95" d={p95} /> : null}
        {p50 ? <path class="p50" d={p50} /> : null}
      </svg>
      <figcaption class="muted">
        <span class="key p50">p50</span> <span class="key p95">p95</span> · max {Math.round(max)} ms
        {p50 ? '' : ' · no latency measured yet'}
      </figcaption>
    </figure>
  );
}
