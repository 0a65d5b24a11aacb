package virtual

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"hallq/drivers/screen/touch"
)

// Opts configures a virtual screen.
type Opts struct {
	// AllowRemote serves hosts other than loopback. Anyone who reaches
	// the page can operate the kiosk.
	AllowRemote bool
	// LongPoll is how long /frame.png waits for a newer frame before
	// answering 204. Default 10 s.
	LongPoll time.Duration
}

// DefaultOpts serves loopback only.
var DefaultOpts = Opts{LongPoll: 10 * time.Second}

// MaxContacts bounds touch ids from the page.
const MaxContacts = 10

// Dev is a virtual screen.
type Dev struct {
	w, h    int
	opts    Opts
	touches chan touch.Event
	done    chan struct{}

	mu      sync.Mutex
	closed  bool
	frame   image.Image
	seq     uint64
	changed chan struct{} // closed and replaced at each frame
	png     []byte        // encoding of frame seq pngSeq
	pngSeq  uint64

	encMu sync.Mutex // one encoder at a time
	enc   png.Encoder
}

// New makes a width x height virtual screen.
func New(width, height int, opts *Opts) (*Dev, error) {
	if width <= 0 || height <= 0 || width > 1<<14 || height > 1<<14 {
		return nil, fmt.Errorf("%w: %dx%d", ErrSize, width, height)
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
		if o.LongPoll <= 0 {
			o.LongPoll = DefaultOpts.LongPoll
		}
	}
	return &Dev{
		w: width, h: height, opts: o,
		touches: make(chan touch.Event, 64),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		// Frames are large and change often; encoding speed matters
		// more than size on loopback.
		enc: png.Encoder{CompressionLevel: png.BestSpeed},
	}, nil
}

// Size is the screen size in pixels.
func (d *Dev) Size() image.Point { return image.Pt(d.w, d.h) }

func (d *Dev) String() string { return fmt.Sprintf("virtual(%dx%d)", d.w, d.h) }

// Draw keeps img as the current frame. The image must not be changed
// afterwards; fyne allocates a new one for every frame.
func (d *Dev) Draw(img image.Image) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.frame = img
	d.seq++
	close(d.changed)
	d.changed = make(chan struct{})
	return nil
}

// Frame returns the current frame and its sequence number (0: none yet).
func (d *Dev) Frame() (image.Image, uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.frame, d.seq
}

// Touch queues a touch as if it came from the page.
func (d *Dev) Touch(ev touch.Event) error {
	if ev.Kind < touch.Down || ev.Kind > touch.Up || ev.ID < 0 || ev.ID >= MaxContacts ||
		math.IsNaN(float64(ev.X)) || math.IsNaN(float64(ev.Y)) {
		return fmt.Errorf("%w: %v", ErrTouch, ev)
	}
	ev.X = float32(math.Max(0, math.Min(float64(d.w-1), float64(ev.X))))
	ev.Y = float32(math.Max(0, math.Min(float64(d.h-1), float64(ev.Y))))
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	select {
	case <-d.done:
		return ErrClosed
	default:
	}
	select {
	case d.touches <- ev:
		return nil
	case <-d.done:
		return ErrClosed
	default:
		return ErrBusy
	}
}

// Read returns the next touch from the page.
func (d *Dev) Read() (touch.Event, error) {
	select {
	case ev := <-d.touches:
		return ev, nil
	case <-d.done:
		return touch.Event{}, ErrClosed
	}
}

// Halt does nothing: a browser page has no backlight.
func (d *Dev) Halt() error { return nil }

// Close ends Read and any waiting frame requests.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.done)
	}
	return nil
}

// ServeHTTP serves the page (/), frames (/frame.png?after=N) and touches
// (POST /touch).
func (d *Dev) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !d.opts.AllowRemote && !isLoopback(r.RemoteAddr) {
		http.Error(w, "virtual screen: loopback only", http.StatusForbidden)
		return
	}
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, page)
	case "/frame.png":
		d.serveFrame(w, r)
	case "/touch":
		d.serveTouch(w, r)
	default:
		http.NotFound(w, r)
	}
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (d *Dev) serveFrame(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	timer := time.NewTimer(d.opts.LongPoll)
	defer timer.Stop()
	for {
		d.mu.Lock()
		seq, changed := d.seq, d.changed
		d.mu.Unlock()
		if seq > after {
			break
		}
		select {
		case <-changed:
		case <-timer.C:
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		case <-d.done:
			http.Error(w, "virtual screen closed", http.StatusServiceUnavailable)
			return
		}
	}
	b, seq, err := d.encoded()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame", strconv.FormatUint(seq, 10))
	w.Write(b)
}

// encoded returns the PNG of the current frame, encoding it once however
// many pages are watching, and without holding up Draw meanwhile.
func (d *Dev) encoded() ([]byte, uint64, error) {
	d.encMu.Lock()
	defer d.encMu.Unlock()
	d.mu.Lock()
	frame, seq := d.frame, d.seq
	if d.pngSeq == seq && d.png != nil {
		b := d.png
		d.mu.Unlock()
		return b, seq, nil
	}
	d.mu.Unlock()
	var buf bytes.Buffer
	if err := d.enc.Encode(&buf, frame); err != nil {
		return nil, 0, fmt.Errorf("virtual: encode frame: %w", err)
	}
	d.mu.Lock()
	d.png, d.pngSeq = buf.Bytes(), seq
	d.mu.Unlock()
	return buf.Bytes(), seq, nil
}

// touchMsg is what the page posts.
type touchMsg struct {
	Kind string  `json:"kind"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	ID   int     `json:"id"`
}

// touchHeader must be on /touch requests: browsers do not let another
// origin's page add it without a CORS preflight, which is never granted.
const touchHeader = "X-Hallq-Touch"

func (d *Dev) serveTouch(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get(touchHeader) != "1" {
		http.Error(w, "missing "+touchHeader+" header", http.StatusForbidden)
		return
	}
	var m touchMsg
	if err := json.NewDecoder(io.LimitReader(r.Body, 1024)).Decode(&m); err != nil {
		http.Error(w, fmt.Sprintf("%v: %v", ErrTouch, err), http.StatusBadRequest)
		return
	}
	ev := touch.Event{ID: m.ID, X: float32(m.X), Y: float32(m.Y)}
	switch m.Kind {
	case "down":
		ev.Kind = touch.Down
	case "move":
		ev.Kind = touch.Move
	case "up":
		ev.Kind = touch.Up
	}
	if math.IsInf(m.X, 0) || math.IsInf(m.Y, 0) {
		ev.X = float32(math.NaN())
	}
	switch err := d.Touch(ev); err {
	case nil:
		w.WriteHeader(http.StatusNoContent)
	case ErrBusy, ErrClosed:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

const page = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>hallq 虚拟屏幕</title>
<style>
html,body{margin:0;background:#222;height:100%}
#s{display:block;margin:auto;max-width:100vw;max-height:100vh;touch-action:none;user-select:none;-webkit-user-drag:none}
#st{position:fixed;left:4px;bottom:4px;color:#aaa;font:12px sans-serif}
</style></head><body>
<img id="s" alt="screen" draggable="false">
<div id="st">connecting</div>
<script>
const img = document.getElementById('s'), st = document.getElementById('st');
let seq = 0;
async function poll() {
  for (;;) {
    try {
      const r = await fetch('/frame.png?after=' + seq, {cache: 'no-store'});
      if (r.status === 200) {
        seq = Number(r.headers.get('X-Frame'));
        const url = URL.createObjectURL(await r.blob());
        const old = img.src;
        img.src = url;
        if (old) URL.revokeObjectURL(old);
        st.textContent = 'frame ' + seq;
      } else if (r.status !== 204) {
        st.textContent = 'error ' + r.status;
        await new Promise(f => setTimeout(f, 1000));
      }
    } catch (e) {
      st.textContent = 'disconnected';
      await new Promise(f => setTimeout(f, 1000));
    }
  }
}
const ids = new Map();
let chain = Promise.resolve();
function send(kind, e) {
  let id = ids.get(e.pointerId);
  if (id === undefined) {
    if (kind !== 'down') return;
    id = 0;
    while ([...ids.values()].includes(id)) id++;
    if (id >= 10) return;
    ids.set(e.pointerId, id);
  }
  if (kind === 'up') ids.delete(e.pointerId);
  const b = img.getBoundingClientRect();
  const x = (e.clientX - b.left) * img.naturalWidth / b.width;
  const y = (e.clientY - b.top) * img.naturalHeight / b.height;
  const body = JSON.stringify({kind, x, y, id});
  // One request at a time, so an up never overtakes its down.
  chain = chain.then(() => fetch('/touch', {method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Hallq-Touch': '1'}, body})).catch(() => {});
  e.preventDefault();
}
img.addEventListener('pointerdown', e => { img.setPointerCapture(e.pointerId); send('down', e); });
img.addEventListener('pointermove', e => send('move', e));
img.addEventListener('pointerup', e => send('up', e));
img.addEventListener('pointercancel', e => send('up', e));
poll();
</script></body></html>
`
