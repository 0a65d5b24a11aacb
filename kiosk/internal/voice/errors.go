package voice

import "errors"

// Sentinel errors.
var (
	// ErrNoSynth: espeak-ng (or the configured synthesizer binary) is not
	// installed.
	ErrNoSynth = errors.New("voice: speech synthesizer not found (install the Debian package espeak-ng)")
	// ErrNoPlayer: aplay is not installed.
	ErrNoPlayer = errors.New("voice: audio player not found (install the Debian package alsa-utils)")
	// ErrBadWAV: bytes that are not a PCM WAV file.
	ErrBadWAV = errors.New("voice: not a PCM WAV file")
	// ErrFormat: clips of different sample formats cannot be joined.
	ErrFormat = errors.New("voice: clips have different formats")
	// ErrNoClip: a word has no recorded clip.
	ErrNoClip = errors.New("voice: no clip for word")
	// ErrEmptyCall: a call without a ticket number or window.
	ErrEmptyCall = errors.New("voice: call without ticket number or window")
	// ErrClosed: the announcer was closed.
	ErrClosed = errors.New("voice: announcer closed")
)
