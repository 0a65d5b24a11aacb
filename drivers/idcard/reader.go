package idcard

import (
	"context"
	"errors"
	"time"
)

// State is where the reader state machine is.
type State int

const (
	// Idle: polling find card.
	Idle State = iota
	// Present: find answered 9F; selecting.
	Present
	// Reading: reading text and photo.
	Reading
	// WaitRemoval: the card was read (or failed for good) and must leave the
	// field before another read. A read card answers "no card" to find, so
	// removal is seen by select failing.
	WaitRemoval
	// Disconnected: the port hung up; reopening with backoff.
	Disconnected
)

func (s State) String() string {
	return [...]string{"idle", "present", "reading", "wait-removal", "disconnected"}[s]
}

// EventKind classifies reader events.
type EventKind int

const (
	// CardRead: Identity is set; Err may wrap ErrExpired, ErrInvalidNumber
	// or ErrInconsistent (read, but not acceptable as is).
	CardRead EventKind = iota
	// CardFailed: a card was seen but could not be read; Err says why and
	// Message(Err) what to tell the citizen (usually 请重新放置身份证).
	CardFailed
	// CardRemoved: the card left the field.
	CardRemoved
	// ReaderLost: the reader stopped answering or was unplugged.
	ReaderLost
	// ReaderBack: the reader answers again.
	ReaderBack
)

func (k EventKind) String() string {
	return [...]string{"card-read", "card-failed", "card-removed", "reader-lost", "reader-back"}[k]
}

// Event is reported by Run. Identity's String masks personal data.
type Event struct {
	Kind     EventKind
	Identity *Identity
	Err      error
}

// maxFailures is how many failed reads of one presentation are reported
// before the state machine waits for the card to be removed.
const maxFailures = 3

// Run drives the state machine Idle -> Present -> Reading -> WaitRemoval ->
// Idle until ctx is done, calling emit for each event from this goroutine.
// A hung-up port is reopened with backoff; a module that stops answering
// is reported once as ReaderLost and then polled until it answers.
func (d *Dev) Run(ctx context.Context, emit func(Event)) error {
	state := Idle
	failures := 0
	lost := false
	tick := time.NewTicker(d.opts.PollInterval)
	defer tick.Stop()
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
			return true
		}
	}
	for ctx.Err() == nil {
		var err error
		switch state {
		case Idle:
			if err = d.FindCard(ctx); err == nil {
				state = Present
				continue
			}
		case Present:
			var serial []byte
			if serial, err = d.SelectCard(ctx); err == nil {
				state = Reading
				id, rerr := d.ReadIdentity(ctx)
				if id != nil {
					id.ChipSerial = serial
					d.log.Info("idcard: card read", "identity", id, "check", errString(rerr))
					emit(Event{Kind: CardRead, Identity: id, Err: rerr})
					state, failures = WaitRemoval, 0
					continue
				}
				err = rerr
			}
			if isCardFault(err) {
				failures++
				d.log.Info("idcard: read failed", "err", err)
				emit(Event{Kind: CardFailed, Err: err})
				state = Idle
				if failures >= maxFailures {
					state, failures = WaitRemoval, 0
				}
			}
		case WaitRemoval:
			if err = d.FindCard(ctx); err == nil {
				// A fresh find means the card left and came back.
				emit(Event{Kind: CardRemoved})
				state = Present
				continue
			}
			if errors.Is(err, ErrNoCard) {
				if _, serr := d.SelectCard(ctx); serr != nil {
					if isCardFault(serr) || errors.Is(serr, ErrNoCard) {
						emit(Event{Kind: CardRemoved})
						state = Idle
					}
					err = serr
				}
			}
		}
		switch {
		case err == nil, errors.Is(err, ErrNoCard), isCardFault(err):
			if lost {
				lost = false
				emit(Event{Kind: ReaderBack})
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrDisconnected):
			if !lost {
				lost = true
				emit(Event{Kind: ReaderLost, Err: err})
			}
			d.log.Warn("idcard: reader disconnected, reopening")
			if rerr := d.port.Reopen(ctx); rerr != nil {
				return rerr
			}
			state = Idle
			continue
		default:
			// Timeouts and module faults: report once, keep polling.
			if !lost {
				lost = true
				emit(Event{Kind: ReaderLost, Err: err})
			}
			if state == Present || state == Reading {
				state = Idle
			}
		}
		if !wait() {
			break
		}
	}
	return ctx.Err()
}

func isCardFault(err error) bool {
	return errors.Is(err, ErrSelectFailed) || errors.Is(err, ErrReadFailed) ||
		errors.Is(err, ErrCardAuth) || errors.Is(err, ErrUnknownCardType) ||
		errors.Is(err, ErrBadText) || errors.Is(err, ErrChecksum) || errors.Is(err, ErrFrameLength)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
