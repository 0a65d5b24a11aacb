package escpos

import (
	"testing"
	"time"
)

// BenchmarkTicket builds the typical Chinese queue ticket (hall name,
// service, big A023, "前面还有 5 人等候", time, QR) and reports its size
// and how long it takes to send at common baud rates.
func BenchmarkTicket(b *testing.B) {
	for _, p := range []Profile{Generic80, Generic58, Legacy80} {
		b.Run(p.Name, func(b *testing.B) {
			var n int
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out, err := Ticket(p)
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n), "bytes/ticket")
			b.ReportMetric(float64(time.Duration(n)*10*time.Second/9600)/1e6, "wire-ms@9600")
			b.ReportMetric(float64(time.Duration(n)*10*time.Second/115200)/1e6, "wire-ms@115200")
		})
	}
}
