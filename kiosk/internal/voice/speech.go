package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"
)

// Synth turns an announcement into audio.
type Synth interface {
	Synthesize(ctx context.Context, a *Announcement) (*WAV, error)
}

// Player plays audio to the end (or until ctx ends).
type Player interface {
	Play(ctx context.Context, a *Announcement, w *WAV) error
}

// Espeak synthesizes with espeak-ng (Debian package espeak-ng, which brings
// the Mandarin voice "cmn" in espeak-ng-data).
type Espeak struct {
	Bin   string // default "espeak-ng"
	Voice string // default "cmn"
	Speed int    // words per minute; default 130, calm for a hall
	// Timeout bounds one synthesis; default 10 s.
	Timeout time.Duration
}

// Synthesize runs espeak-ng --stdout and reads its WAV.
func (e *Espeak) Synthesize(ctx context.Context, a *Announcement) (*WAV, error) {
	bin, voice, speed, to := e.Bin, e.Voice, e.Speed, e.Timeout
	if bin == "" {
		bin = "espeak-ng"
	}
	if voice == "" {
		voice = "cmn"
	}
	if speed <= 0 {
		speed = 130
	}
	if to <= 0 {
		to = 10 * time.Second
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSynth, err)
	}
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	// The text goes in as an argument after "--", never through a shell.
	cmd := exec.CommandContext(ctx, path, "-v", voice, "-s", strconv.Itoa(speed), "--stdout", "--", a.Spoken)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("voice: espeak-ng: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	w, err := ParseWAV(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("voice: espeak-ng output: %w", err)
	}
	return w, nil
}

// Clips joins pre-recorded clips, one per word of Words ("请", "A", "零" ...
// "号窗口办理"), with a short gap between them. All clips share one format.
type Clips struct {
	Clips map[string]*WAV
	Gap   time.Duration
}

// LoadClips reads <word>.wav files from dir.
func LoadClips(dir string) (*Clips, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("voice: clips: %w", err)
	}
	c := &Clips{Clips: map[string]*WAV{}, Gap: 60 * time.Millisecond}
	for _, e := range ents {
		name, ok := cutSuffix(e.Name(), ".wav")
		if !ok || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("voice: clips: %w", err)
		}
		w, err := ParseWAV(b)
		if err != nil {
			return nil, fmt.Errorf("voice: clip %s: %w", e.Name(), err)
		}
		c.Clips[name] = w
	}
	return c, nil
}

func cutSuffix(s, suf string) (string, bool) {
	if len(s) > len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)], true
	}
	return s, false
}

// Synthesize joins the clips of the announcement's words.
func (c *Clips) Synthesize(ctx context.Context, a *Announcement) (*WAV, error) {
	var parts []*WAV
	for i, w := range a.Words {
		clip := c.Clips[w]
		if clip == nil {
			return nil, fmt.Errorf("%w %q", ErrNoClip, w)
		}
		if i > 0 && c.Gap > 0 {
			parts = append(parts, Silence(clip.Format, c.Gap))
		}
		parts = append(parts, clip)
	}
	return Join(parts...)
}

// Aplay plays through ALSA with aplay (Debian package alsa-utils).
type Aplay struct {
	Bin    string // default "aplay"
	Device string // ALSA device, e.g. "default" or "hw:0,0"; empty: aplay's default
}

// Play pipes the WAV into aplay and waits for it to finish.
func (p *Aplay) Play(ctx context.Context, a *Announcement, w *WAV) error {
	bin := p.Bin
	if bin == "" {
		bin = "aplay"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoPlayer, err)
	}
	args := []string{"-q"}
	if p.Device != "" {
		args = append(args, "-D", p.Device)
	}
	// Bound the wait: the audio's length plus time for a busy device.
	ctx, cancel := context.WithTimeout(ctx, w.Duration()+5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(args, "-")...)
	cmd.Stdin = bytes.NewReader(w.Bytes())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("voice: aplay: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// Dir "plays" by writing numbered WAV files (0001-A023-w3.wav) into a
// directory, for tests and the demo. With Realtime it also waits for the
// audio's duration, so the queue behaves as with a loudspeaker.
type Dir struct {
	Path     string
	Realtime bool
	n        atomic.Int64
}

// Play writes the file.
func (d *Dir) Play(ctx context.Context, a *Announcement, w *WAV) error {
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	name := fmt.Sprintf("%04d-%s-w%s.wav", d.n.Add(1), safe(a.Call.Number), safe(a.Call.Window))
	tmp := filepath.Join(d.Path, "."+name)
	if err := os.WriteFile(tmp, w.Bytes(), 0o644); err != nil {
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(d.Path, name)); err != nil {
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	if d.Realtime {
		t := time.NewTimer(w.Duration())
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// safe keeps file names to letters and digits.
func safe(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "x"
	}
	return string(out)
}

// Pipeline speaks through a synthesizer and a player.
type Pipeline struct {
	Synth  Synth
	Player Player
}

// Speak synthesizes and plays one announcement.
func (p *Pipeline) Speak(ctx context.Context, a *Announcement) error {
	if p.Synth == nil || p.Player == nil {
		return errors.New("voice: pipeline without synthesizer or player")
	}
	w, err := p.Synth.Synthesize(ctx, a)
	if err != nil {
		return err
	}
	return p.Player.Play(ctx, a, w)
}
