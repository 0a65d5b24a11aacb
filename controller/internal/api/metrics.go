package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hallq/controller/internal/engine"
	"hallq/controller/internal/queue"
)

// Metrics are the controller's Prometheus metrics.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	waits       *prometheus.HistogramVec
	issued      *prometheus.CounterVec
	subscribers prometheus.Gauge
	commits     prometheus.Histogram
	commitErrs  prometheus.Counter
	batch       prometheus.Histogram
}

// NewMetrics registers the metrics. Queue lengths are read from the engine
// at scrape time, so they are never stale.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hallq_http_request_duration_seconds",
		Help: "API request latency by route and status.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}},
		[]string{"route", "code"})
	m.waits = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hallq_wait_seconds",
		Help: "Wait from arrival to first call, by channel.", Buckets: []float64{60, 300, 600, 900, 1200, 1500, 1800, 2700, 3600}},
		[]string{"channel"})
	m.issued = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hallq_tickets_issued_total",
		Help: "Tickets issued by service and channel."}, []string{"service", "channel"})
	m.subscribers = prometheus.NewGauge(prometheus.GaugeOpts{Name: "hallq_event_subscribers", Help: "Open event streams."})
	m.commits = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hallq_commit_duration_seconds",
		Help: "Group commit duration (write and fsync).", Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1}})
	m.commitErrs = prometheus.NewCounter(prometheus.CounterOpts{Name: "hallq_commit_errors_total", Help: "Failed group commits."})
	m.batch = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hallq_commit_batch_commands",
		Help: "Commands per group commit.", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}})
	m.reg.MustRegister(m.requests, m.waits, m.issued, m.subscribers, m.commits, m.commitErrs, m.batch,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// OnCommit feeds engine.Options.OnCommit.
func (m *Metrics) OnCommit(commands, events int, d time.Duration, err error) {
	if err != nil {
		m.commitErrs.Inc()
		return
	}
	m.commits.Observe(d.Seconds())
	m.batch.Observe(float64(commands))
}

// WatchQueues registers a gauge of waiting tickets read from the engine.
func (m *Metrics) WatchQueues(eng *engine.Engine) {
	m.reg.MustRegister(&queueCollector{eng: eng,
		desc: prometheus.NewDesc("hallq_queue_waiting", "Waiting tickets by service and channel.", []string{"service", "channel"}, nil),
		long: prometheus.NewDesc("hallq_queue_longest_wait_seconds", "Longest current wait by service.", []string{"service"}, nil)})
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *Metrics) observeRequest(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
}

type queueCollector struct {
	eng        *engine.Engine
	desc, long *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc; ch <- c.long }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var qs []queue.QueueStat
	if c.eng.Read(ctx, func(h *queue.Hall, now time.Time) { qs = h.Queues(now) }) != nil {
		return
	}
	for _, q := range qs {
		for _, chn := range queue.Channels {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(q.Waiting[chn]), q.Service, chn.String())
		}
		ch <- prometheus.MustNewConstMetric(c.long, prometheus.GaugeValue, q.LongestWait.Seconds(), q.Service)
	}
}
