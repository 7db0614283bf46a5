// The Python (GStreamer through python3-gi) stand-in for `gst-launch-1.0 -e -m` that reads its pipeline
// description from stdin, so the camera URL with its password never appears in argv (/proc/PID/cmdline
// is readable by every local user; stdin is a pipe only we hold). It prints the same kind of lines
// gst-launch does, so one parser serves both, plus one line gst-launch cannot give: the pipeline's
// base time as wall-clock nanoseconds, read from the pipeline clock when it reaches PLAYING.
//
// It also asks the kernel for SIGINT when its parent dies (PR_SET_PDEATHSIG), so a Node process that is
// SIGKILLed cannot leave a camera pipeline behind. EOS can hang (a camera that accepts the connection
// and never answers keeps rtspsrc waiting), and after the parent's death nobody sends the second signal,
// so the runner gives up on its own GIVE_UP seconds after the first one: longer than the Node side's
// grace before SIGKILL, so it only ever decides when nobody else is there to.
export const PY_LAUNCHER = String.raw`
import ctypes, signal, sys, time
import gi
gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)
except Exception:
    pass
def out(s):
    # Once Node is gone stdout is a closed socket: a write raises, and raising here would abort the
    # stop (EOS and the give-up timer) that the parent's death asked for, leaving the pipeline running.
    try:
        sys.stdout.write(s + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
Gst.init(None)
desc = sys.stdin.read()
try:
    pipeline = Gst.parse_launch(desc)
except GLib.Error as e:
    out('ERROR: pipeline could not be constructed: ' + e.message)
    sys.exit(1)
loop = GLib.MainLoop()
GIVE_UP = 10
st = {'rc': 0, 'eos': False, 'based': False}
def on_msg(bus, msg):
    t = msg.type
    if t == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        out('ERROR: from element %s: %s' % (msg.src.get_path_string(), err.message))
        out('Additional debug info:\n%s' % dbg)
        st['rc'] = 1
        loop.quit()
    elif t == Gst.MessageType.WARNING:
        err, dbg = msg.parse_warning()
        out('WARNING: from element %s: %s' % (msg.src.get_path_string(), err.message))
    elif t == Gst.MessageType.EOS:
        out('Got EOS from element "%s".' % msg.src.get_name())
        loop.quit()
    elif t == Gst.MessageType.ELEMENT:
        s = msg.get_structure()
        if s is not None and s.get_name().startswith('GstRTSPSrc'):
            out('Got message from element "%s" (element): %s' % (msg.src.get_name(), s.to_string()))
    elif t == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
        old, new, _ = msg.parse_state_changed()
        if new == Gst.State.PLAYING and not st['based']:
            st['based'] = True
            running = pipeline.get_clock().get_time() - pipeline.get_base_time()
            out('EPOCH-BASE-NS %d' % (time.time_ns() - running))
    elif t == Gst.MessageType.CLOCK_LOST:
        pipeline.set_state(Gst.State.PAUSED)
        pipeline.set_state(Gst.State.PLAYING)
    return True
bus = pipeline.get_bus()
bus.add_signal_watch()
bus.connect('message', on_msg)
def on_signal():
    if st['eos']:
        st['rc'] = 130
        loop.quit()
        return False
    st['eos'] = True
    out('Interrupt: Stopping pipeline ... EOS on shutdown enabled -- Forcing EOS on the pipeline')
    pipeline.send_event(Gst.Event.new_eos())
    GLib.timeout_add_seconds(GIVE_UP, give_up)
    return True
def give_up():
    out('EOS did not arrive within %d s of the stop; ending without it' % GIVE_UP)
    st['rc'] = 130
    loop.quit()
    return False
GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, on_signal)
GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, on_signal)
out('Setting pipeline to PLAYING ...')
if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
    out('ERROR: pipeline does not want to play')
    st['rc'] = 1
else:
    loop.run()
pipeline.set_state(Gst.State.NULL)
sys.exit(st['rc'])
`;
