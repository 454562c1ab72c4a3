// uptop status page: replaces the live part with a fresh server rendering every 5 s, shows how fresh it is, and
// shows times in the viewer's own time zone. The page is complete without it.
(() => {
  const POLL_MS = 5000;
  const live = document.getElementById('live');
  const stale = document.getElementById('stale');
  if (!live || !stale) return;
  let lastUpdate = Date.now();

  function localTimes(root) {
    for (const el of root.querySelectorAll('time[datetime]')) {
      const at = new Date(el.getAttribute('datetime'));
      if (Number.isNaN(at.getTime())) continue;
      el.textContent = el.hasAttribute('data-date')
        ? at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })
        : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    }
  }

  // The Go original's staleness bar: fresh under 10 s, a warning under 30 s, then "Stale".
  function renderStale() {
    const ago = Math.round((Date.now() - lastUpdate) / 1000);
    if (ago < 10) {
      stale.textContent = 'Updated just now';
      stale.className = 'stale';
    } else if (ago < 30) {
      stale.textContent = `Updated ${ago}s ago`;
      stale.className = 'stale warn';
    } else {
      stale.textContent = `Stale — last update ${ago}s ago`;
      stale.className = 'stale error';
    }
  }

  async function refresh() {
    try {
      const res = await fetch(live.dataset.src, { cache: 'no-store', headers: { accept: 'text/html' } });
      if (res.ok) {
        live.innerHTML = await res.text();
        localTimes(live);
        lastUpdate = Date.now();
        renderStale();
      }
    } catch {
      // Offline or restarting: the staleness mark says so; the next poll tries again.
    }
    setTimeout(refresh, POLL_MS);
  }

  localTimes(document);
  renderStale();
  setInterval(renderStale, 1000);
  setTimeout(refresh, POLL_MS);
})();
