// A small DASH MPD reader for harvesting: every initialization and media segment URL of every
// Representation, from a SegmentTemplate on the Representation or its AdaptationSet, with or without a
// SegmentTimeline. Timeline entries without `t` continue from the previous entry's end, `r` repeats
// (-1: until the period ends), and a template without a timeline gets ceil(period / duration)
// segments, so a last partial segment is not lost. BaseURL at any level is honoured.

/** One XML element: name without namespace prefix, attributes, children. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]!);

/** Parses XML into elements (no DTDs, no namespaces beyond dropping prefixes); enough for an MPD. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const re =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  for (const m of text.matchAll(re)) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[6] !== undefined) top.text += unescape(m[6]);
    else if (m[3] !== undefined) {
      const name = m[3].replace(/^.*:/, '');
      if (m[2] === '/') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const attrs: Record<string, string> = {};
      for (const a of (m[4] ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
        attrs[a[1]!.replace(/^.*:/, '')] = unescape(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name, attrs, children: [], text: '' };
      top.children.push(el);
      if (m[5] !== '/') stack.push(el);
    }
  }
  return root;
}

const child = (el: XmlElement, name: string) => el.children.find((c) => c.name === name);
const childrenNamed = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);

/** ISO 8601 duration (PT1H2M3.5S, P1DT2H) in seconds; undefined when absent or unreadable. */
export function isoDurationSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  return d! * 86400 + h! * 3600 + min! * 60 + s!;
}

/** $RepresentationID$, $Bandwidth$, $Number%05d$, $Time$ and $$ substituted. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\$(\w*)(%0(\d+)d)?\$/g, (all, name: string, _f, width: string | undefined) => {
    if (name === '') return '$';
    const v = values[name];
    if (v === undefined) return all;
    return width ? String(v).padStart(Number(width), '0') : String(v);
  });
}

function withBase(el: XmlElement, base: string): string {
  const b = child(el, 'BaseURL')?.text.trim();
  return b ? new URL(b, base).toString() : base;
}

/** Every URL (init + media segments) an MPD fetched from `url` references. */
export function dashReferences(text: string, url: string): string[] {
  const mpd = child(parseXml(text), 'MPD');
  if (!mpd) throw new Error(`${url} is not a DASH manifest (no MPD element)`);
  const out = new Set<string>();
  const mpdBase = withBase(mpd, url);
  const total = isoDurationSeconds(mpd.attrs.mediaPresentationDuration);
  for (const period of childrenNamed(mpd, 'Period')) {
    const periodBase = withBase(period, mpdBase);
    const periodSeconds = isoDurationSeconds(period.attrs.duration) ?? total;
    for (const set of childrenNamed(period, 'AdaptationSet')) {
      const setBase = withBase(set, periodBase);
      for (const rep of childrenNamed(set, 'Representation')) {
        const repBase = withBase(rep, setBase);
        const tpl = child(rep, 'SegmentTemplate') ?? child(set, 'SegmentTemplate');
        if (!tpl) {
          // A single-file representation: BaseURL is the media.
          if (child(rep, 'BaseURL')) out.add(repBase);
          continue;
        }
        const values = { RepresentationID: rep.attrs.id ?? '', Bandwidth: rep.attrs.bandwidth ?? '' };
        if (tpl.attrs.initialization)
          out.add(new URL(fillTemplate(tpl.attrs.initialization, values), repBase).toString());
        const media = tpl.attrs.media;
        if (!media) continue;
        const timescale = Number(tpl.attrs.timescale ?? 1);
        let number = Number(tpl.attrs.startNumber ?? 1);
        const add = (time: number) => {
          out.add(
            new URL(fillTemplate(media, { ...values, Number: number, Time: time }), repBase).toString(),
          );
          number++;
        };
        const timeline = child(tpl, 'SegmentTimeline');
        if (timeline) {
          const end =
            periodSeconds === undefined
              ? Infinity
              : periodSeconds * timescale + Number(tpl.attrs.presentationTimeOffset ?? 0);
          let t = 0;
          for (const s of childrenNamed(timeline, 'S')) {
            if (s.attrs.t !== undefined) t = Number(s.attrs.t);
            const d = Number(s.attrs.d);
            if (!(d > 0)) break;
            let r = Number(s.attrs.r ?? 0);
            // r = -1: repeat until the period ends (or, without a known end, just this one).
            if (r < 0) r = end === Infinity ? 0 : Math.max(0, Math.ceil((end - t) / d) - 1);
            for (let i = 0; i <= r; i++) {
              add(t);
              t += d;
            }
          }
        } else {
          const duration = Number(tpl.attrs.duration);
          if (!(duration > 0) || periodSeconds === undefined) continue;
          const count = Math.ceil((periodSeconds * timescale) / duration - 1e-9);
          for (let i = 0; i < count; i++) add(i * duration);
        }
      }
    }
  }
  return [...out];
}
