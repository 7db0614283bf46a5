#!/bin/sh
# The recipe's Shutdown step: stop the connector gracefully before the nucleus does it its own way.
# On stop the nucleus first runs Shutdown, then sends SIGTERM to the Run process and all its
# descendants at once and SIGKILLs whatever is alive 5 s later (UnixExec.close). The connector needs
# longer than that to end its camera pipelines (EOS finalises the last file), drain uploads and flush
# the SiteWise outbox, so this script sends SIGTERM to the node process alone and waits for it to exit.
# Usage: stop.sh <pid file written by Run> <seconds to wait>
pidfile=$1
budget=${2:-25}
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
case "$pid" in
  '' | *[!0-9]*) rm -f "$pidfile"; exit 0 ;;
esac
# A stale file (after a crash or a reboot) may name another process by now: only signal ours.
if ! grep -q 'kvs-edge-connector' "/proc/$pid/cmdline" 2>/dev/null; then
  rm -f "$pidfile"
  exit 0
fi
kill -TERM "$pid" 2>/dev/null || exit 0
ticks=0
while kill -0 "$pid" 2>/dev/null; do
  ticks=$((ticks + 1))
  if [ "$ticks" -gt $((budget * 10)) ]; then
    echo "kvs-edge-connector (pid $pid) did not stop within ${budget} s; the nucleus will kill it" >&2
    exit 1
  fi
  sleep 0.1
done
rm -f "$pidfile"
