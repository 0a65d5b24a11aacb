package kioskapp

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"hallq/controller/hallproto"
	"hallq/drivers/camera"
	"hallq/drivers/idcard"
	"hallq/kiosk/internal/flow"
	"hallq/kiosk/internal/ticket"
)

// start launches the device and controller loops.
func (k *Kiosk) start(ctx context.Context) {
	ready := newReadyGate()
	if k.d.Reader != nil {
		k.goFn(func() {
			err := k.d.Reader.Run(ctx, func(ev idcard.Event) {
				// A card read before the hall's hours and services are
				// known would meet the built-in hours (the "closed" page)
				// or an empty menu and be dropped; the reader reports a
				// card once, so hold it until the kiosk is ready.
				ready.wait(ctx, readyWait)
				k.post(ctx, cardEvent(ev, k.d.Now()))
			})
			if err != nil && ctx.Err() == nil {
				k.log.Error("kioskapp: card reader stopped", "err", err)
				k.post(ctx, flow.ReaderState{Online: false})
			}
		})
	} else {
		k.post(ctx, flow.ReaderState{Online: false})
	}
	k.goFn(func() { k.printerLoop(ctx) })
	k.goFn(func() { k.controllerLoop(ctx, ready) })
	k.goFn(func() { k.statusLoop(ctx) })
	changed := make(chan struct{}, 1)
	k.d.Link.OnState(func(bool) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	k.goFn(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				k.post(ctx, flow.LinkState{Online: k.d.Link.Online(), Pending: k.d.Issuer.Pending()})
			}
		}
	})
}

// printerLoop checks the printer's status at start and every Poll while
// no ticket is printing (escpos serialises anyway; skipping keeps a
// status poll from delaying a citizen's ticket).
func (k *Kiosk) printerLoop(ctx context.Context) {
	if k.d.Printer == nil {
		k.post(ctx, flow.PrinterStatus{State: flow.PrinterOffline})
		return
	}
	prev := flow.PrinterState(-1)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k.mu.Lock()
		busy := k.printing
		k.mu.Unlock()
		if !busy {
			st, err := ticket.Check(ctx, k.d.Printer)
			if ctx.Err() != nil {
				return
			}
			k.mu.Lock()
			k.printerS, k.printerE = st, err
			k.mu.Unlock()
			if s := printerState(st, err); s != prev {
				prev = s
				k.post(ctx, flow.PrinterStatus{State: s})
			}
		}
		t.Reset(k.cfg.Printer.Poll)
	}
}

// controllerLoop loads the services, queues and hall information, then
// follows the event stream: queue counts are refreshed after ticket
// events (at most once a second), everything after config_changed.
// The first full refresh opens ready: its services and hall information
// are queued to the flow before any card held back.
func (k *Kiosk) controllerLoop(ctx context.Context, ready *readyGate) {
	for ctx.Err() == nil {
		if err := k.refresh(ctx, true); err == nil {
			ready.open()
			break
		}
		sleep(ctx, 3*time.Second)
	}
	dirty := make(chan bool, 1) // true: everything
	mark := func(all bool) {
		select {
		case dirty <- all:
		default:
			if all {
				// Upgrade a pending queue refresh to a full one.
				select {
				case <-dirty:
				default:
				}
				select {
				case dirty <- true:
				default:
				}
			}
		}
	}
	k.goFn(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case all := <-dirty:
				k.refresh(ctx, all)
				sleep(ctx, time.Second)
			}
		}
	})
	k.d.Link.Follow(ctx, ^uint64(0), func(ev hallproto.Event) {
		switch {
		case ev.Type == "config_changed" || ev.Type == hallproto.EvDayRolled:
			mark(true)
		case strings.HasPrefix(string(ev.Type), "ticket."):
			mark(false)
		}
	})
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// refresh reads the controller's view; all includes services and hall.
func (k *Kiosk) refresh(ctx context.Context, all bool) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if all {
		var svcs []hallproto.Service
		if err := k.d.Link.Do(ctx, http.MethodGet, "/api/v1/services", nil, &svcs); err != nil {
			return err
		}
		en := map[string]string{}
		for _, s := range svcs {
			en[s.ID] = s.NameEN
		}
		var hall hallproto.HallInfo
		herr := k.d.Link.Do(ctx, http.MethodGet, "/api/v1/hall", nil, &hall)
		k.mu.Lock()
		k.serviceEN = en
		if herr == nil {
			k.hall = hall
		}
		k.mu.Unlock()
		k.post(ctx, flow.ServicesUpdated{Services: svcs})
		if herr == nil {
			k.post(ctx, flow.HallInfo{
				Name:      flow.Text{ZH: hall.Name, EN: hall.NameEN},
				IssueFrom: hall.Hours.IssueFrom, IssueUntil: hall.Hours.IssueUntil, Close: hall.Hours.Close,
				Location: hallZone(hall.Hours.Timezone),
			})
		}
	}
	var q hallproto.Queues
	if err := k.d.Link.Do(ctx, http.MethodGet, "/api/v1/queues", nil, &q); err != nil {
		return err
	}
	k.post(ctx, flow.QueuesUpdated{Queues: q})
	return nil
}

// statusLoop repeats the last device report every StatusEvery, so the
// controller sees a kiosk that went silent. It also looks every second at
// the link and the count of offline tickets, which change without any
// event of the flow (a ticket issued from the lease, the replay after the
// link returns): on a change the technician screen gets the new figures
// and the controller a report at once, so staff see "offline, N pending"
// and then "pending 0" without waiting for the next period.
func (k *Kiosk) statusLoop(ctx context.Context) {
	t := time.NewTicker(min(k.cfg.StatusEvery, time.Second))
	defer t.Stop()
	last := time.Now()
	online, pending := k.d.Link.Online(), k.d.Issuer.Pending()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		on, p := k.d.Link.Online(), k.d.Issuer.Pending()
		changed := on != online || p != pending
		if changed {
			online, pending = on, p
			k.post(ctx, flow.LinkState{Online: on, Pending: p})
		}
		if changed || time.Since(last) >= k.cfg.StatusEvery {
			last = time.Now()
			k.report(ctx, "", nil)
		}
	}
}

// startCamera streams preview frames (one still about every 300 ms, as
// fast as a UVC document camera delivers stills) until stopCamera.
func (k *Kiosk) startCamera(ctx context.Context) {
	k.stopCamera()
	if k.d.Camera == nil {
		k.post(ctx, flow.CameraMissing{})
		return
	}
	cctx, cancel := context.WithCancel(ctx)
	k.mu.Lock()
	k.camStop = cancel
	k.mu.Unlock()
	cam := k.d.Camera
	k.goFn(func() {
		for cctx.Err() == nil {
			st, err := cam.Capture(cctx)
			switch {
			case cctx.Err() != nil:
				return
			case errors.Is(err, camera.ErrClosed) || errors.Is(err, camera.ErrFormat):
				k.post(cctx, flow.CameraMissing{})
				return
			case err != nil:
				k.post(cctx, flow.CameraBroken{})
			default:
				// The driver checks only the header; a frame cut short in
				// its scan data passes that, shows as a grey smear and is
				// refused by the controller's upload. Only a frame that
				// decodes is a page the citizen may capture.
				if _, derr := st.Decode(); derr != nil {
					k.post(cctx, flow.CameraBroken{})
				} else {
					k.post(cctx, flow.CameraFrame{JPEG: st.JPEG})
				}
			}
			sleep(cctx, 300*time.Millisecond)
		}
	})
}

func (k *Kiosk) stopCamera() {
	k.mu.Lock()
	stop := k.camStop
	k.camStop = nil
	k.mu.Unlock()
	if stop != nil {
		stop()
	}
}
