//go:build noos

package devscreen

import "testing"

func TestOpenVirtual(t *testing.T) {
	if _, err := Open(Config{Virtual: "192.0.2.1:0", Width: 800, Height: 480}, nil); err == nil {
		t.Fatal("a remote address without allow_remote was accepted")
	}
	s, err := Open(Config{Virtual: "127.0.0.1:0", Width: 1920, Height: 1080}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// 1080 lines get the automatic 1.5 render scale.
	if s.Height != 720 {
		t.Errorf("canvas height %d, want 720", s.Height)
	}
	if s.App == nil || s.Theme == nil {
		t.Fatal("no app or theme")
	}
}
