// The shared runner: one python3-gi process that runs the pipelines of several cameras, each in its
// own Gst.Pipeline with its own bus, so one camera's error, EOS or stop ends only that pipeline.
//
// Commands arrive as JSON lines on stdin (the pipeline text with the camera URL never touches argv):
//   {"op": "start", "id": "...", "desc": "...", "socket": "/path", "token": "..."}
//   {"op": "stop", "id": "..."}   EOS, so matroskamux finishes the file; a second stop ends it at once
// For each pipeline the runner connects to Node's unix socket, writes the token line that tells Node
// which run the connection is, and points the pipeline's fdsink at that socket. Every output line is
// "<id> <text>" with the same texts the single-camera launcher prints (one parser serves both), and
// "<id> EXIT <code>" once the pipeline is NULL and its socket closed.
//
// Closing stdin (Node is gone) or SIGINT/SIGTERM ends every pipeline with EOS and then the process; the
// kernel sends SIGINT when the parent dies (PR_SET_PDEATHSIG).
export const PY_POOL_RUNNER = String.raw`
import ctypes, json, os, signal, socket, sys, time
import gi
gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)
except Exception:
    pass
def out(pid, s):
    # Once Node is gone stdout is a closed socket: a write raises, and raising here would abort
    # close_all before it stops every pipeline and arms the give-up timer, leaving pipelines running.
    try:
        for line in s.split('\n'):
            sys.stdout.write(pid + ' ' + line + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
Gst.init(None)
loop = GLib.MainLoop()
runs = {}
state = {'closing': False, 'buf': b''}
class Run:
    def __init__(self, rid, desc, path, token):
        self.id = rid
        self.rc = 0
        self.eos = False
        self.based = False
        self.done = False
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.sendall((token + '\n').encode())
        self.pipeline = Gst.parse_launch(desc)
        it = self.pipeline.iterate_sinks()
        while True:
            ok, sink = it.next()
            if ok != Gst.IteratorResult.OK:
                break
            if sink.get_factory().get_name() == 'fdsink':
                sink.set_property('fd', self.sock.fileno())
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        self.handler = bus.connect('message', self.on_msg)
    def start(self):
        out(self.id, 'Setting pipeline to PLAYING ...')
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            out(self.id, 'ERROR: pipeline does not want to play')
            self.rc = 1
            self.finish()
    def on_msg(self, bus, msg):
        t = msg.type
        p = self.pipeline
        if t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            out(self.id, 'ERROR: from element %s: %s' % (msg.src.get_path_string(), err.message))
            out(self.id, 'Additional debug info:\n%s' % dbg)
            self.rc = 1
            self.finish()
        elif t == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            out(self.id, 'WARNING: from element %s: %s' % (msg.src.get_path_string(), err.message))
        elif t == Gst.MessageType.EOS:
            out(self.id, 'Got EOS from element "%s".' % msg.src.get_name())
            self.finish()
        elif t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is not None and s.get_name().startswith('GstRTSPSrc'):
                out(self.id, 'Got message from element "%s" (element): %s' % (msg.src.get_name(), s.to_string()))
        elif t == Gst.MessageType.STATE_CHANGED and msg.src == p:
            old, new, _ = msg.parse_state_changed()
            if new == Gst.State.PLAYING and not self.based:
                self.based = True
                running = p.get_clock().get_time() - p.get_base_time()
                out(self.id, 'EPOCH-BASE-NS %d' % (time.time_ns() - running))
        elif t == Gst.MessageType.CLOCK_LOST:
            p.set_state(Gst.State.PAUSED)
            p.set_state(Gst.State.PLAYING)
        return True
    def stop(self):
        if self.eos:
            self.rc = 130
            self.finish()
            return
        self.eos = True
        out(self.id, 'Interrupt: Stopping pipeline ... EOS on shutdown enabled -- Forcing EOS on the pipeline')
        self.pipeline.send_event(Gst.Event.new_eos())
    def finish(self):
        if self.done:
            return
        self.done = True
        bus = self.pipeline.get_bus()
        bus.disconnect(self.handler)
        bus.remove_signal_watch()
        self.pipeline.set_state(Gst.State.NULL)
        self.sock.close()
        runs.pop(self.id, None)
        out(self.id, 'EXIT %d' % self.rc)
        if state['closing'] and not runs:
            loop.quit()
def command(line):
    c = json.loads(line)
    rid = c['id']
    if c['op'] == 'start':
        try:
            r = Run(rid, c['desc'], c['socket'], c['token'])
        except GLib.Error as e:
            out(rid, 'ERROR: pipeline could not be constructed: ' + e.message)
            out(rid, 'EXIT 1')
            return
        except OSError as e:
            out(rid, 'ERROR: could not reach the media socket: ' + str(e))
            out(rid, 'EXIT 1')
            return
        runs[rid] = r
        r.start()
    elif c['op'] == 'stop' and rid in runs:
        runs[rid].stop()
def close_all():
    first = not state['closing']
    state['closing'] = True
    # EOS can hang (a camera that accepts and never answers); after the parent's death nobody asks
    # twice, so the runner ends by itself, later than the Node side's own grace. Armed first, so
    # nothing that goes wrong while stopping the pipelines can leave the runner without it.
    if first:
        GLib.timeout_add_seconds(10, give_up)
    if not runs:
        loop.quit()
    for r in list(runs.values()):
        r.stop()
def give_up():
    out('*', 'EOS did not arrive within 10 s of closing; ending without it')
    loop.quit()
    return False
def on_stdin(fd, cond):
    data = os.read(fd, 65536) if cond & GLib.IO_IN else b''
    if not data:
        close_all()
        return False
    state['buf'] += data
    while b'\n' in state['buf']:
        line, state['buf'] = state['buf'].split(b'\n', 1)
        if line.strip():
            command(line)
    return True
def on_signal():
    close_all()
    return True
GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, on_signal)
GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, on_signal)
out('*', 'READY')
loop.run()
`;
