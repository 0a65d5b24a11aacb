package hallproto

import (
	"reflect"
	"testing"
)

// The lease, replay and device status types join the drift and golden
// tests of the other files; their samples live in testdata/lease/.
func init() {
	for _, t := range []reflect.Type{reflect.TypeFor[LeaseRequest](), reflect.TypeFor[Lease](),
		reflect.TypeFor[ReplayRequest](), reflect.TypeFor[ReplayResult](), reflect.TypeFor[DeviceStatus]()} {
		wireTypes[t.Name()] = t
	}
	goldenEvents[EvLeaseGranted] = &Event{Seq: 120, Type: EvLeaseGranted, At: at(8, 25, 0), Reason: "kiosk-01 101-120"}
	goldenEvents[EvLeaseEnded] = &Event{Seq: 121, Type: EvLeaseEnded, At: at(12, 25, 0), Reason: "expired"}
}

func leaseGoldens() []golden {
	lease := &Lease{ID: 4, Device: "kiosk-01", Service: "social", ServiceName: "社保医保", Prefix: "A", First: 101, Last: 120,
		Width: 3, GrantedAt: at(8, 25, 0), ExpiresAt: at(12, 25, 0), Day: "2026-11-21"}
	replayed := Ticket{ID: 131, Number: "A105", Service: "social", ServiceName: "社保医保", Channel: Love, Status: Waiting,
		IssuedAt: at(9, 41, 7), ArrivedAt: at(9, 41, 7), WaitingAhead: 6, EstimatedWaitMinutes: 18, MaskedName: "张*三"}
	recv := at(9, 58, 2)
	return []golden{
		{"lease_request", &LeaseRequest{RequestID: "k01-lease-social-0004", Device: "kiosk-01", Service: "social", Count: 20}},
		{"lease", lease},
		{"replay_request", &ReplayRequest{RequestID: "k01-5d1e0c9a8b7f6e5d", LeaseID: 4, Number: "A105", Service: "social",
			IDCard: &IDCard{Number: "11010519491231002X", Name: "张三", BirthDate: "1949-12-31"}, IssuedAt: at(9, 41, 7), Device: "kiosk-01"}},
		{"replay_result", &ReplayResult{Ticket: replayed}},
		{"replay_result_duplicate", &ReplayResult{Ticket: replayed, Duplicate: true}},
		{"device_status", &DeviceStatus{Device: "kiosk-01", Role: RoleKiosk, State: DeviceOffline,
			Problems: []string{ProblemOfflineTickets}, Pending: 7, Version: "1.4.2", At: at(9, 57, 58), ReceivedAt: &recv}},
		{"device_status_window", &DeviceStatus{Device: "window-3", Role: RoleWindow, Window: "3", State: DeviceDegraded,
			Problems: []string{ProblemSignOffline}, Version: "1.4.2", At: at(10, 0, 0)}},
	}
}

// TestGoldenLease pins the bytes of the lease, replay and device status
// types; refresh with -update.
func TestGoldenLease(t *testing.T) { checkGoldens(t, "lease", leaseGoldens()) }

func TestLeaseNumber(t *testing.T) {
	for _, tc := range []struct {
		l    Lease
		n    int
		want string
	}{
		{Lease{Prefix: "A", Width: 3}, 5, "A005"},
		{Lease{Prefix: "B", Width: 4}, 120, "B0120"},
		{Lease{Prefix: "", Width: 3}, 999, "999"},
	} {
		if got := tc.l.Number(tc.n); got != tc.want {
			t.Errorf("Number(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
