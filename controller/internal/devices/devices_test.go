package devices_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"hallq/controller/controllertest"
	"hallq/controller/hallproto"
)

func post(t *testing.T, ctl *controllertest.Controller, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", ctl.URL+"/api/v1/devices/status", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+ctl.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func list(t *testing.T, ctl *controllertest.Controller, token string) (int, []hallproto.DeviceStatus) {
	t.Helper()
	req, _ := http.NewRequest("GET", ctl.URL+"/api/v1/devices/status", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Devices []hallproto.DeviceStatus `json:"devices"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Devices
}

func TestDeviceStatus(t *testing.T) {
	dir := t.TempDir()
	ctl := controllertest.Start(t, &controllertest.Options{DataDir: dir})
	tests := []struct {
		name, body string
		want       int
	}{
		{"kiosk offline", `{"device":"kiosk-1","role":"kiosk","state":"offline","problems":["offline_tickets_pending"],"pending":7,"at":"2026-11-21T10:00:00+08:00"}`, 204},
		{"window degraded", `{"device":"window-3","role":"window","window":"3","state":"degraded","problems":["sign_offline"],"pending":0,"at":"2026-11-21T10:00:00+08:00"}`, 204},
		{"kiosk back", `{"device":"kiosk-1","role":"kiosk","state":"ok","pending":0,"at":"2026-11-21T10:01:00+08:00"}`, 204},
		{"unknown role", `{"device":"x","role":"toaster","state":"ok","pending":0,"at":"2026-11-21T10:00:00+08:00"}`, 400},
		{"unknown state", `{"device":"x","role":"kiosk","state":"fine","pending":0,"at":"2026-11-21T10:00:00+08:00"}`, 400},
		{"no device", `{"role":"kiosk","state":"ok","pending":0,"at":"2026-11-21T10:00:00+08:00"}`, 400},
		{"negative pending", `{"device":"x","role":"kiosk","state":"ok","pending":-1,"at":"2026-11-21T10:00:00+08:00"}`, 400},
		{"not json", `{"device":`, 400},
	}
	for _, tc := range tests {
		if got := post(t, ctl, tc.body); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	check := func(ctl *controllertest.Controller) {
		t.Helper()
		code, devs := list(t, ctl, ctl.Token)
		if code != 200 || len(devs) != 2 {
			t.Fatalf("list: %d %+v", code, devs)
		}
		if devs[0].Device != "kiosk-1" || devs[0].State != hallproto.DeviceOK || devs[0].Pending != 0 || devs[0].ReceivedAt == nil {
			t.Errorf("kiosk-1: %+v", devs[0])
		}
		if devs[1].Device != "window-3" || devs[1].Problems[0] != "sign_offline" || !devs[1].At.Equal(time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("window-3: %+v", devs[1])
		}
	}
	check(ctl)
	if code, _ := list(t, ctl, "wrong-token-000000000"); code != 401 {
		t.Errorf("unauthenticated list: %d", code)
	}
	ctl.Stop()
	ctl = controllertest.Start(t, &controllertest.Options{DataDir: dir})
	check(ctl) // kept across a restart
}
