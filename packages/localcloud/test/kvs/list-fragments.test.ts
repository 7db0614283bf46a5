// ListFragments through the real @aws-sdk/client-kinesis-video-archived-media, on the endpoint
// GetDataEndpoint hands out, over fragments sent with PutMedia.
import t from 'tap';
import { ListFragmentsCommand, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import { gop, header } from './mkv-builder.js';
import { putMediaAll } from './putmedia-client.js';
import { archivedMediaClient, startTestKvs } from './streams.js';

const BASE = Math.floor(Date.now() / 1000) * 1000 - 60_000;

t.test(
  'ListFragments pages producer- and server-time ranges and refuses what the API reference refuses',
  async (t) => {
    const { kvs, control } = await startTestKvs(t, { streams: ['cam'], retentionHours: 2 });
    const body = Buffer.concat([header(), ...Array.from({ length: 5 }, (_, i) => gop(BASE + i * 1000))]);
    const { status } = await putMediaAll({ endpoint: kvs.endpoint, streamName: 'cam', body });
    t.equal(status, 200);

    const media = await archivedMediaClient(t, control, 'cam', 'LIST_FRAGMENTS');

    // Producer range [BASE+1 s, BASE+3 s] (both ends inclusive on the fragment start), two per page.
    const seen: Fragment[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const out = await media.send(
        new ListFragmentsCommand({
          StreamName: 'cam',
          MaxResults: 2,
          ...(NextToken === undefined
            ? {
                FragmentSelector: {
                  FragmentSelectorType: 'PRODUCER_TIMESTAMP',
                  TimestampRange: {
                    StartTimestamp: new Date(BASE + 1000),
                    EndTimestamp: new Date(BASE + 3000),
                  },
                },
              }
            : { NextToken }),
        }),
      );
      seen.push(...(out.Fragments ?? []));
      NextToken = out.NextToken;
      pages++;
    } while (NextToken !== undefined);
    t.equal(pages, 2, 'three fragments at two per page take two pages');
    t.same(
      seen.map((f) => f.ProducerTimestamp?.getTime()),
      [BASE + 1000, BASE + 2000, BASE + 3000],
    );
    t.ok(seen.every((f) => f.FragmentLengthInMilliseconds === 900 && (f.FragmentSizeInBytes ?? 0) > 0));
    t.equal(new Set(seen.map((f) => f.FragmentNumber)).size, 3);

    // Everything was received in the last minute: a server-time window of the last minute lists all five.
    const now = Date.now();
    const server = await media.send(
      new ListFragmentsCommand({
        StreamName: 'cam',
        FragmentSelector: {
          FragmentSelectorType: 'SERVER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(now - 60_000), EndTimestamp: new Date(now) },
        },
      }),
    );
    t.equal(server.Fragments?.length, 5);
    t.equal(server.NextToken, undefined);
    const none = await media.send(
      new ListFragmentsCommand({
        StreamName: 'cam',
        FragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(BASE - 10_000), EndTimestamp: new Date(BASE - 5000) },
        },
      }),
    );
    t.same(none.Fragments, [], 'an empty range is an empty list, not an error');

    await t.rejects(media.send(new ListFragmentsCommand({ StreamName: 'nope' })), {
      name: 'ResourceNotFoundException',
    });
    await t.rejects(media.send(new ListFragmentsCommand({ StreamName: 'cam', MaxResults: 1001 })), {
      name: 'InvalidArgumentException',
    });
    await t.rejects(
      media.send(
        new ListFragmentsCommand({
          StreamName: 'cam',
          FragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: { StartTimestamp: new Date(BASE + 2000), EndTimestamp: new Date(BASE) },
          },
        }),
      ),
      { name: 'InvalidArgumentException' },
    );
    await t.rejects(media.send(new ListFragmentsCommand({ StreamName: 'cam', NextToken: 'bogus' })), {
      name: 'InvalidArgumentException',
    });
  },
);
