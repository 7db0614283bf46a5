// The console page: plain HTML and script, no build step; hls.js is served from node_modules.
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kvs-edge local console</title>
<style>
body{font-family:system-ui,sans-serif;margin:16px;background:#111;color:#eee}
h1{font-size:18px;margin:0 0 12px}
#tiles{display:flex;flex-wrap:wrap;gap:16px}
.tile{background:#1d1f24;border-radius:8px;padding:12px;width:480px}
.tile h2{font-size:15px;margin:0 0 8px}
video{width:100%;background:#000;aspect-ratio:16/9}
.bar{position:relative;height:10px;background:#2a2d34;margin:3px 0}
.bar span{position:absolute;top:0;bottom:0}
.edge span{background:#5a8dee}.up span{background:#3fbf7f}.live span{background:#e0534a}
.lanes small{display:inline-block;width:70px;color:#aaa}
.row{display:flex;align-items:center;gap:6px}.row .bar{flex:1}
button{margin:6px 6px 0 0}
.status{color:#aaa;font-size:12px;min-height:1.2em}
.screen{position:relative}
.notice{position:absolute;inset:0;display:none;align-items:center;justify-content:center;padding:16px;
  text-align:center;background:rgba(0,0,0,.85);color:#f0c36d;font-size:14px}
.notice.shown{display:flex}
</style></head><body>
<h1>kvs-edge local console <small style="color:#888">(last <span id="win">15</span> minutes)</small></h1>
<div id="tiles">loading cameras…</div>
<script src="/hls.min.js"></script>
<script>
const WINDOW_MS = 15 * 60 * 1000;
const LIVE_RESEND_MS = 120 * 1000;
window.consoleState = {};
async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.status);
  return body;
}
// KVS HLS never transcodes: an H.265 camera is served as hvc1 and plays only where the browser decodes
// HEVC (Safari; Chrome/Edge with a platform decoder; not Debian's Chromium). Say so in the tile rather
// than leave a black box.
function videoCodecs(levels) {
  const all = levels.flatMap((l) => String((l.attrs && l.attrs.CODECS) || '').split(','));
  return [...new Set(all.map((c) => c.trim()).filter((c) => /^(avc[13]|hvc1|hev1)\\./.test(c)))];
}
function notice(tile, text) {
  const n = tile.querySelector('.notice');
  n.textContent = text || '';
  n.classList.toggle('shown', !!text);
}
function play(tile, src) {
  const st = window.consoleState[tile.dataset.key];
  if (st.hls) st.hls.destroy();
  st.errors = [];
  st.codecs = undefined; st.decodable = undefined;
  notice(tile, '');
  const video = tile.querySelector('video');
  const hls = new Hls({ liveSyncDurationCount: 2 });
  hls.on(Hls.Events.MANIFEST_LOADED, (_e, data) => {
    st.codecs = videoCodecs(data.levels);
    const refused = st.codecs.filter((c) => !MediaSource.isTypeSupported('video/mp4; codecs="' + c + '"'));
    st.decodable = refused.length === 0;
    if (refused.length > 0) {
      const hevc = refused.some((c) => /^(hvc1|hev1)/.test(c));
      notice(tile, (hevc ? 'This browser cannot decode H.265 (' : 'This browser cannot decode this video (') +
        refused.join(', ') + '). The stream is fine: KVS serves it without transcoding. ' +
        (hevc ? 'Play it in Safari, in Chrome or Edge with hardware HEVC decoding, or with ffplay or VLC.' : ''));
    }
  });
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) st.errors.push(data.type + ':' + data.details); });
  hls.loadSource(src);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => st.errors.push('play:' + e.message)));
  st.hls = hls;
  st.src = src;
}
function lane(cls, spans, start, end) {
  const w = end - start;
  return '<div class="bar ' + cls + '">' + spans.map((s) => {
    const a = Math.max(s.start, start), b = Math.min(s.end, end);
    return b > a ? '<span style="left:' + ((a - start) / w * 100) + '%;width:' + ((b - a) / w * 100) + '%"></span>' : '';
  }).join('') + '</div>';
}
async function refresh(tile, cam) {
  const end = Date.now(), start = end - WINDOW_MS;
  const r = await api('/api/ranges?camera=' + encodeURIComponent(cam.key) + '&start=' + start + '&end=' + end);
  const st = window.consoleState[cam.key];
  const live = st.live ? [{ start: st.liveSince, end }] : [];
  tile.querySelector('.lanes').innerHTML =
    '<div class="row"><small>on edge</small>' + lane('edge', r.onEdge, start, end) + '</div>' +
    '<div class="row"><small>uploaded</small>' + lane('up', r.uploaded, start, end) + '</div>' +
    '<div class="row"><small>live</small>' + lane('live', live, start, end) + '</div>';
}
async function goLive(tile, cam) {
  const st = window.consoleState[cam.key];
  const status = tile.querySelector('.status');
  await api('/api/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: cam.key, value: 'live' }) });
  status.textContent = 'live requested; waiting for the stream…';
  // Like the player: live only once a LIVE session URL comes back, then "live" again every 120 s.
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      const { src } = await api('/api/source?camera=' + encodeURIComponent(cam.key) + '&mode=LIVE');
      st.live = true; st.liveSince = Date.now();
      status.textContent = 'live';
      play(tile, src);
      break;
    } catch (err) {
      if (Date.now() > deadline) { status.textContent = 'no live video: ' + err.message; return; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  clearInterval(st.resend);
  st.resend = setInterval(() => api('/api/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: cam.key, value: 'live' }) }).catch(() => {}), LIVE_RESEND_MS);
}
function rangeOf(tile) {
  const [a, b] = tile.querySelectorAll('input');
  return [new Date(a.value).getTime(), new Date(b.value).getTime()];
}
function local(ms) { const d = new Date(ms - new Date().getTimezoneOffset() * 60000); return d.toISOString().slice(0, 19); }
async function playRange(tile, cam) {
  const st = window.consoleState[cam.key];
  const [start, end] = rangeOf(tile);
  st.live = false; clearInterval(st.resend);
  const status = tile.querySelector('.status');
  try {
    const { src } = await api('/api/source?camera=' + encodeURIComponent(cam.key) + '&mode=ON_DEMAND&start=' + start + '&end=' + end);
    status.textContent = 'playing ' + new Date(start).toLocaleTimeString() + ' - ' + new Date(end).toLocaleTimeString();
    play(tile, src);
  } catch (err) { status.textContent = 'not in the cloud yet: ' + err.message; }
}
async function upload(tile, cam) {
  const [start, end] = rangeOf(tile);
  await api('/api/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: cam.key, value: start + '-' + end }) });
  tile.querySelector('.status').textContent = 'upload of ' + start + '-' + end + ' requested';
}
async function main() {
  const cams = await api('/api/cameras');
  const root = document.getElementById('tiles');
  root.innerHTML = cams.length ? '' : 'no camera entities yet (TwinMaker edge video components)';
  for (const cam of cams) {
    window.consoleState[cam.key] = { errors: [] };
    const tile = document.createElement('div');
    tile.className = 'tile';
    tile.dataset.key = cam.key;
    tile.innerHTML = '<h2></h2><div class="screen"><video muted playsinline controls></video><div class="notice" role="status"></div></div><div class="lanes"></div>' +
      '<div><button class="live">Live</button><input type="datetime-local" step="1"> – <input type="datetime-local" step="1"></div>' +
      '<div><button class="play">Play this range</button><button class="upload">Upload this range</button></div><div class="status"></div>';
    tile.querySelector('h2').textContent = cam.name + ' · ' + (cam.streamName || '?');
    const [a, b] = tile.querySelectorAll('input');
    a.value = local(Date.now() - 5 * 60000); b.value = local(Date.now());
    tile.querySelector('.live').onclick = () => goLive(tile, cam);
    tile.querySelector('.play').onclick = () => playRange(tile, cam);
    tile.querySelector('.upload').onclick = () => upload(tile, cam);
    root.appendChild(tile);
    refresh(tile, cam);
    setInterval(() => refresh(tile, cam).catch(() => {}), 5000);
  }
}
main().catch((e) => { document.getElementById('tiles').textContent = 'error: ' + e.message; });
</script></body></html>
`;
