// Command spansend sends spans to a Jaeger collector through one ingestion protocol, with each
// protocol's own client library, so the end-to-end tests send what real applications send:
//
//	otlp-grpc, otlp-http   OpenTelemetry Go SDK exporters (otlptracegrpc, otlptracehttp)
//	zipkin                 OpenTelemetry Go's Zipkin exporter (JSON v2 to /api/v2/spans)
//	jaeger-grpc            jaeger-idl's api_v2 CollectorService client (PostSpans)
//	jaeger-thrift-http     jaeger-idl's Thrift types, binary protocol, POST /api/traces
//
//	query-grpc             jaeger-idl's api_v2 QueryService client: lists the services (GetServices),
//	                       with -user/-password as HTTP basic credentials; sends no spans
//
// With -rate it is an open-loop load generator instead (OTLP gRPC only): batches of -batch spans
// fall due on a fixed schedule of -rate spans/s for -seconds, sent over -workers connections with
// at most -max-in-flight at once; it prints the spans sent, refused and missed, the batches that
// left late, the measured wall time and the latency quantiles from each batch's due time. With
// -until-refused the schedule ends that long after the first refusal (at -seconds at the latest),
// for tests that must see an overload whatever the speed of the machine.
//
// Each span is one trace: a server span of -service named -operation, -duration long, ending
// now; every -error-every'th has status error. With -chain a,b,c each trace is instead a call
// down those services, as instrumented services send it: the root server span of a (named
// -operation, with the error status), and in each service but the last a client span calling
// the next, whose server span is its child (named "GET /<service>"), each nested in its caller. With -ca the connection is TLS (and -cert/-key
// present a client certificate). It prints one JSON line: the trace IDs it sent (hex), and exits
// non-zero when the collector refuses any.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	modelv1 "github.com/jaegertracing/jaeger-idl/model/v1"
	"github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	jaegerthrift "github.com/jaegertracing/jaeger-idl/thrift-gen/jaeger"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/zipkin"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

type span struct {
	traceID [16]byte
	spanID  [8]byte
	start   time.Time
	end     time.Time
	failed  bool
}

type options struct {
	protocol, endpoint, service, operation string
	count, errorEvery                      int
	duration                               time.Duration
	ca, cert, key, serverName              string
	user, password                         string
	timeout                                time.Duration
	rate, seconds, batch, workers          int
	maxInFlight                            int
	untilRefused                           time.Duration
	uniqueNames                            bool
	varied                                 bool
	chain                                  string
}

func main() {
	var o options
	flag.StringVar(&o.protocol, "protocol", "otlp-http", "otlp-grpc | otlp-http | zipkin | jaeger-grpc | jaeger-thrift-http")
	flag.StringVar(&o.endpoint, "endpoint", "", "host:port of the receiver")
	flag.StringVar(&o.service, "service", "spansend", "service.name of the spans")
	flag.StringVar(&o.operation, "operation", "GET /spansend", "span name")
	flag.IntVar(&o.count, "count", 1, "spans to send, one trace each")
	flag.IntVar(&o.errorEvery, "error-every", 0, "every n-th span has status error (0: none)")
	flag.DurationVar(&o.duration, "duration", 10*time.Millisecond, "each span's duration")
	flag.StringVar(&o.ca, "ca", "", "CA bundle: connect with TLS and verify the server against it")
	flag.StringVar(&o.cert, "cert", "", "client certificate (mTLS)")
	flag.StringVar(&o.key, "key", "", "client key (mTLS)")
	flag.StringVar(&o.serverName, "server-name", "", "name to verify the server certificate for")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up after this long")
	flag.IntVar(&o.rate, "rate", 0, "load mode: spans per second in total (OTLP gRPC)")
	flag.IntVar(&o.seconds, "seconds", 10, "load mode: how long")
	flag.IntVar(&o.batch, "batch", 100, "load mode: spans per export")
	flag.IntVar(&o.workers, "workers", 4, "load mode: exporters (gRPC connections) the batches are spread over")
	flag.IntVar(&o.maxInFlight, "max-in-flight", 64, "load mode: batches sent at once at most; a batch due while all are taken waits, and counts late")
	flag.DurationVar(&o.untilRefused, "until-refused", 0, "load mode: end the schedule this long after the first refusal (0: run all -seconds)")
	flag.BoolVar(&o.uniqueNames, "unique-names", false, "load mode: every span gets its own name (operation/<n>), as ids in raw URLs do")
	flag.BoolVar(&o.varied, "varied", false, "load mode: spans as an instrumented HTTP service on Kubernetes sends them: values and durations vary per span, each connection a pod with its resource attributes (variedAttributes, podResource)")
	flag.StringVar(&o.chain, "chain", "", "otlp-grpc, otlp-http, zipkin: each trace is a call down these services (comma-separated): a server span in each, and a client span calling the next; -service is then unused")
	flag.StringVar(&o.user, "user", "", "query-grpc: basic auth user")
	flag.StringVar(&o.password, "password", "", "query-grpc: basic auth password")
	flag.Parse()
	if o.endpoint == "" {
		fail(fmt.Errorf("-endpoint is required"))
	}
	if o.chain != "" && o.protocol != "otlp-grpc" && o.protocol != "otlp-http" && o.protocol != "zipkin" {
		fail(fmt.Errorf("-chain needs otlp-grpc, otlp-http or zipkin, not %s", o.protocol))
	}
	if o.rate > 0 {
		if err := load(o); err != nil {
			fail(err)
		}
		return
	}
	spans := make([]span, o.count)
	now := time.Now()
	for i := range spans {
		binary.BigEndian.PutUint64(spans[i].traceID[:8], rand.Uint64())
		binary.BigEndian.PutUint64(spans[i].traceID[8:], rand.Uint64())
		binary.BigEndian.PutUint64(spans[i].spanID[:], rand.Uint64()|1)
		spans[i].end = now
		spans[i].start = now.Add(-o.duration)
		spans[i].failed = o.errorEvery > 0 && (i+1)%o.errorEvery == 0
	}
	tlsConfig, err := o.tls()
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	switch o.protocol {
	case "otlp-grpc", "otlp-http", "zipkin":
		err = sendOTel(ctx, o, tlsConfig, spans)
	case "jaeger-grpc":
		err = sendJaegerGRPC(ctx, o, tlsConfig, spans)
	case "jaeger-thrift-http":
		err = sendJaegerThrift(ctx, o, tlsConfig, spans)
	case "query-grpc":
		services, err := queryServices(ctx, o, tlsConfig)
		if err != nil {
			fail(err)
		}
		out, _ := json.Marshal(map[string]any{"protocol": o.protocol, "services": services})
		fmt.Println(string(out))
		return
	default:
		err = fmt.Errorf("unknown protocol %q", o.protocol)
	}
	if err != nil {
		fail(err)
	}
	ids := make([]string, len(spans))
	for i, s := range spans {
		ids[i] = hex.EncodeToString(s.traceID[:])
	}
	out, _ := json.Marshal(map[string]any{"protocol": o.protocol, "traceIds": ids})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "spansend:", err)
	os.Exit(1)
}

func (o options) tls() (*tls.Config, error) {
	if o.ca == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", o.ca)
	}
	config := &tls.Config{RootCAs: pool, ServerName: o.serverName, MinVersion: tls.VersionTLS12}
	if o.cert != "" {
		pair, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

func sendOTel(ctx context.Context, o options, tlsConfig *tls.Config, spans []span) error {
	var exporter sdktrace.SpanExporter
	var err error
	switch o.protocol {
	case "otlp-grpc":
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(o.endpoint), otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false})}
		if tlsConfig == nil {
			opts = append(opts, otlptracegrpc.WithInsecure())
		} else {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsConfig)))
		}
		exporter, err = otlptracegrpc.New(ctx, opts...)
	case "otlp-http":
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(o.endpoint), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false})}
		if tlsConfig == nil {
			opts = append(opts, otlptracehttp.WithInsecure())
		} else {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tlsConfig))
		}
		exporter, err = otlptracehttp.New(ctx, opts...)
	case "zipkin":
		scheme := "http"
		client := http.DefaultClient
		if tlsConfig != nil {
			scheme = "https"
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
		}
		exporter, err = zipkin.New(fmt.Sprintf("%s://%s/api/v2/spans", scheme, o.endpoint), zipkin.WithClient(client))
	}
	if err != nil {
		return err
	}
	if o.chain != "" {
		if err := exporter.ExportSpans(ctx, chainStubs(o, spans).Snapshots()); err != nil {
			return err
		}
		return exporter.Shutdown(ctx)
	}
	res := resource.NewSchemaless(semconv.ServiceName(o.service))
	stubs := make(tracetest.SpanStubs, len(spans))
	for i, s := range spans {
		status := sdktrace.Status{Code: codes.Unset}
		if s.failed {
			status = sdktrace.Status{Code: codes.Error, Description: "spansend error"}
		}
		stubs[i] = tracetest.SpanStub{
			Name: o.operation,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: s.traceID, SpanID: s.spanID, TraceFlags: trace.FlagsSampled,
			}),
			SpanKind:             trace.SpanKindServer,
			StartTime:            s.start,
			EndTime:              s.end,
			Status:               status,
			Attributes:           []attribute.KeyValue{attribute.String("spansend.protocol", o.protocol)},
			Resource:             res,
			InstrumentationScope: instrumentation.Scope{Name: "spansend"},
		}
	}
	if err := exporter.ExportSpans(ctx, stubs.Snapshots()); err != nil {
		return err
	}
	return exporter.Shutdown(ctx)
}

// chainStubs makes each trace of spans a call down the -chain services (see the package comment).
func chainStubs(o options, spans []span) tracetest.SpanStubs {
	services := strings.Split(o.chain, ",")
	// Each hop starts a little after its caller and ends a little before it.
	margin := o.duration / time.Duration(4*len(services))
	var stubs tracetest.SpanStubs
	for _, s := range spans {
		var parent trace.SpanContext
		start, end := s.start, s.end
		for i, service := range services {
			res := resource.NewSchemaless(semconv.ServiceName(service))
			spanID := s.spanID
			if i > 0 {
				binary.BigEndian.PutUint64(spanID[:], rand.Uint64()|1)
			}
			server := trace.NewSpanContext(trace.SpanContextConfig{TraceID: s.traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled})
			name := "GET /" + service
			status := sdktrace.Status{Code: codes.Unset}
			if i == 0 {
				name = o.operation
				if s.failed {
					status = sdktrace.Status{Code: codes.Error, Description: "spansend error"}
				}
			}
			stubs = append(stubs, tracetest.SpanStub{
				Name: name, SpanContext: server, Parent: parent, SpanKind: trace.SpanKindServer,
				StartTime: start, EndTime: end, Status: status, Resource: res,
				InstrumentationScope: instrumentation.Scope{Name: "spansend"},
			})
			if i == len(services)-1 {
				break
			}
			var clientID [8]byte
			binary.BigEndian.PutUint64(clientID[:], rand.Uint64()|1)
			client := trace.NewSpanContext(trace.SpanContextConfig{TraceID: s.traceID, SpanID: clientID, TraceFlags: trace.FlagsSampled})
			start, end = start.Add(margin), end.Add(-margin)
			stubs = append(stubs, tracetest.SpanStub{
				Name: "GET /" + services[i+1], SpanContext: client, Parent: server, SpanKind: trace.SpanKindClient,
				StartTime: start, EndTime: end, Resource: res,
				Attributes:           []attribute.KeyValue{attribute.String("peer.service", services[i+1])},
				InstrumentationScope: instrumentation.Scope{Name: "spansend"},
			})
			parent = client
			start, end = start.Add(margin), end.Add(-margin)
		}
	}
	return stubs
}

func jaegerIDs(s span) (modelv1.TraceID, modelv1.SpanID) {
	return modelv1.TraceID{
			High: binary.BigEndian.Uint64(s.traceID[:8]),
			Low:  binary.BigEndian.Uint64(s.traceID[8:]),
		},
		modelv1.SpanID(binary.BigEndian.Uint64(s.spanID[:]))
}

func sendJaegerGRPC(ctx context.Context, o options, tlsConfig *tls.Config, spans []span) error {
	creds := insecure.NewCredentials()
	if tlsConfig != nil {
		creds = credentials.NewTLS(tlsConfig)
	}
	conn, err := grpc.NewClient(o.endpoint, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	batch := modelv1.Batch{Process: &modelv1.Process{ServiceName: o.service}}
	for _, s := range spans {
		traceID, spanID := jaegerIDs(s)
		tags := []modelv1.KeyValue{modelv1.String("span.kind", "server"), modelv1.String("spansend.protocol", o.protocol)}
		if s.failed {
			tags = append(tags, modelv1.Bool("error", true))
		}
		batch.Spans = append(batch.Spans, &modelv1.Span{
			TraceID: traceID, SpanID: spanID, OperationName: o.operation,
			StartTime: s.start, Duration: s.end.Sub(s.start), Tags: tags,
		})
	}
	_, err = api_v2.NewCollectorServiceClient(conn).PostSpans(ctx, &api_v2.PostSpansRequest{Batch: batch})
	return err
}

func queryServices(ctx context.Context, o options, tlsConfig *tls.Config) ([]string, error) {
	creds := insecure.NewCredentials()
	if tlsConfig != nil {
		creds = credentials.NewTLS(tlsConfig)
	}
	conn, err := grpc.NewClient(o.endpoint, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if o.user != "" {
		token := base64.StdEncoding.EncodeToString([]byte(o.user + ":" + o.password))
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Basic "+token)
	}
	response, err := api_v2.NewQueryServiceClient(conn).GetServices(ctx, &api_v2.GetServicesRequest{})
	if err != nil {
		return nil, err
	}
	return response.Services, nil
}

func sendJaegerThrift(ctx context.Context, o options, tlsConfig *tls.Config, spans []span) error {
	batch := jaegerthrift.NewBatch()
	batch.Process = &jaegerthrift.Process{ServiceName: o.service}
	for _, s := range spans {
		traceID, spanID := jaegerIDs(s)
		kind, protocol := "server", o.protocol
		tags := []*jaegerthrift.Tag{
			{Key: "span.kind", VType: jaegerthrift.TagType_STRING, VStr: &kind},
			{Key: "spansend.protocol", VType: jaegerthrift.TagType_STRING, VStr: &protocol},
		}
		if s.failed {
			yes := true
			tags = append(tags, &jaegerthrift.Tag{Key: "error", VType: jaegerthrift.TagType_BOOL, VBool: &yes})
		}
		batch.Spans = append(batch.Spans, &jaegerthrift.Span{
			TraceIdHigh: int64(traceID.High), TraceIdLow: int64(traceID.Low), SpanId: int64(spanID),
			OperationName: o.operation, StartTime: s.start.UnixMicro(),
			Duration: s.end.Sub(s.start).Microseconds(), Tags: tags,
		})
	}
	body, err := thrift.NewTSerializer().Write(ctx, batch)
	if err != nil {
		return err
	}
	scheme := "http"
	client := http.DefaultClient
	if tlsConfig != nil {
		scheme = "https"
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	}
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s://%s/api/traces", scheme, o.endpoint), bytes.NewReader(body))
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/x-thrift")
	response, err := client.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	if response.StatusCode/100 != 2 {
		var text bytes.Buffer
		_, _ = text.ReadFrom(response.Body)
		return fmt.Errorf("POST /api/traces: %s %s", response.Status, strings.TrimSpace(text.String()))
	}
	return nil
}

// load sends o.rate spans/s for o.seconds over OTLP gRPC and prints what happened as JSON.
//
// It is open loop: batches are due on a fixed schedule (one every o.batch/o.rate seconds) whatever
// the receiver does, and each is sent by its own goroutine as soon as one of o.maxInFlight places
// is free. A slow receiver therefore shows as sends that left late (after their due time) or never
// (still waiting when the step ended: missed), and latency is measured from the due time, not from
// the moment a send could leave, so waiting for a free place counts (no coordinated omission).
// The step's wall time runs from the first due time until the end of the schedule or, when later,
// until the last send finished or was given up.
func load(o options) error {
	ctx := context.Background()
	res := resource.NewSchemaless(semconv.ServiceName(o.service))
	// With -varied, each connection stands for one pod of the service, with the resource attributes
	// an OpenTelemetry SDK and the collector's k8sattributes processor give a Kubernetes workload.
	resources := make([]*resource.Resource, o.workers)
	for w := range resources {
		resources[w] = res
		if o.varied {
			resources[w] = podResource(o.service, w)
		}
	}
	interval := time.Duration(float64(time.Second) * float64(o.batch) / float64(o.rate))
	scheduled := o.rate * o.seconds / o.batch
	exporters := make([]*otlptrace.Exporter, o.workers)
	for w := range exporters {
		exporter, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(o.endpoint), otlptracegrpc.WithInsecure(),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}))
		if err != nil {
			return err
		}
		defer func() { _ = exporter.Shutdown(ctx) }()
		exporters[w] = exporter
	}
	var (
		mu                  sync.Mutex
		sent, refused, late int
		latencies           []time.Duration
		lastError           string
		named               atomic.Int64
		wg                  sync.WaitGroup
	)
	places := make(chan struct{}, o.maxInFlight)
	start := time.Now()
	end := start.Add(time.Duration(o.seconds) * time.Second)
	missed := 0
	// Closed o.untilRefused after the first refusal: the batches due after that are not scheduled.
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopped := false
	for i := 0; i < scheduled && !stopped; i++ {
		due := start.Add(interval * time.Duration(i))
		select {
		case <-time.After(time.Until(due)):
		case <-stop:
			scheduled, stopped = i, true
			continue
		}
		// Wait for a free place only until the step ends: what is still waiting then is missed.
		select {
		case places <- struct{}{}:
		case <-time.After(time.Until(end)):
			missed = scheduled - i
		case <-stop:
			scheduled, stopped = i, true
			continue
		}
		if missed > 0 {
			break
		}
		left := time.Now()
		wg.Add(1)
		go func(i int, due, left time.Time) {
			defer wg.Done()
			defer func() { <-places }()
			stubs := make(tracetest.SpanStubs, o.batch)
			for k := range stubs {
				var traceID [16]byte
				var spanID [8]byte
				binary.BigEndian.PutUint64(traceID[:8], rand.Uint64())
				binary.BigEndian.PutUint64(traceID[8:], rand.Uint64())
				binary.BigEndian.PutUint64(spanID[:], rand.Uint64()|1)
				name := o.operation
				if o.uniqueNames {
					name = fmt.Sprintf("%s/%d", o.operation, named.Add(1))
				}
				attributes, duration := loadAttributes, o.duration
				if o.varied {
					attributes, duration = variedAttributes()
				}
				stubs[k] = tracetest.SpanStub{
					Name: name,
					SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
						TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
					}),
					SpanKind:             trace.SpanKindServer,
					StartTime:            left.Add(-duration),
					EndTime:              left,
					Attributes:           attributes,
					Resource:             resources[i%len(resources)],
					InstrumentationScope: instrumentation.Scope{Name: "spansend"},
				}
			}
			exportCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := exporters[i%len(exporters)].ExportSpans(exportCtx, stubs.Snapshots())
			cancel()
			latency := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, latency)
			// Late: left more than one interval (or 1 ms) after it was due.
			if left.Sub(due) > max(interval, time.Millisecond) {
				late++
			}
			if err != nil {
				refused += o.batch
				lastError = err.Error()
				if o.untilRefused > 0 {
					stopOnce.Do(func() { time.AfterFunc(o.untilRefused, func() { close(stop) }) })
				}
			} else {
				sent += o.batch
			}
		}(i, due, left)
	}
	wg.Wait()
	// The schedule fills the step (each batch opens its interval), so the step lasts at least
	// -seconds, and longer when the last sends finish after it.
	wall := time.Since(start)
	if !stopped {
		wall = max(wall, end.Sub(start))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	quantile := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	out, _ := json.Marshal(map[string]any{
		"targetRate":          o.rate,
		"seconds":             o.seconds,
		"wallSeconds":         wall.Seconds(),
		"scheduledBatches":    scheduled,
		"stoppedAfterRefusal": stopped,
		"lateBatches":         late,
		"missedBatches":       missed,
		"sent":                sent,
		"refused":             refused,
		"missed":              missed * o.batch,
		"achievedRate":        float64(sent) / wall.Seconds(),
		"exports":             len(latencies),
		"p50Ms":               quantile(0.5),
		"p99Ms":               quantile(0.99),
		"maxMs":               quantile(1),
		"lastError":           lastError,
	})
	fmt.Println(string(out))
	return nil
}

// The span shape the load carries: a server span with the attributes an HTTP server's
// instrumentation records (about 10 attributes, as the OpenTelemetry semantic conventions name them).
var loadAttributes = []attribute.KeyValue{
	attribute.String("http.request.method", "GET"),
	attribute.String("url.path", "/api/v1/orders/list"),
	attribute.String("url.scheme", "https"),
	attribute.String("server.address", "orders.shop.svc.cluster.local"),
	attribute.Int("server.port", 8080),
	attribute.Int("http.response.status_code", 200),
	attribute.String("network.protocol.version", "1.1"),
	attribute.String("client.address", "10.42.17.3"),
	attribute.String("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
	attribute.String("http.route", "/api/v1/orders/list"),
}

// variedAttributes is one span with loadAttributes' keys and a request id, whose values vary as a
// real HTTP server's do: an order id in the path, the client's address, a request id, one of a few user
// agents, a 5xx one time in twenty, and a duration from 1 to 300 ms. Identical spans compress far
// better than real traffic, so storage per span is measured with these.
func variedAttributes() ([]attribute.KeyValue, time.Duration) {
	status := 200
	if rand.IntN(20) == 0 {
		status = 500 + rand.IntN(4)
	}
	agents := []string{
		"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
		"okhttp/4.12.0",
		"Go-http-client/2.0",
		"python-requests/2.32.3",
	}
	id := fmt.Sprintf("%010d", rand.IntN(10_000_000_000))
	return []attribute.KeyValue{
		attribute.String("http.request.method", []string{"GET", "GET", "GET", "POST", "PUT"}[rand.IntN(5)]),
		attribute.String("url.path", "/api/v1/orders/"+id),
		attribute.String("url.scheme", "https"),
		attribute.String("server.address", "orders.shop.svc.cluster.local"),
		attribute.Int("server.port", 8080),
		attribute.Int("http.response.status_code", status),
		attribute.String("network.protocol.version", "1.1"),
		attribute.String("client.address", fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254))),
		attribute.String("user_agent.original", agents[rand.IntN(len(agents))]),
		attribute.String("http.route", "/api/v1/orders/{id}"),
		attribute.String("http.request.header.x-request-id", fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())),
	}, time.Duration(1+rand.IntN(300)) * time.Millisecond
}

// podResource is the resource of pod w of a service on Kubernetes, as an OpenTelemetry SDK and the
// collector's k8sattributes processor describe it.
func podResource(service string, w int) *resource.Resource {
	pod := fmt.Sprintf("%s-7d9f8c6b5-%05x", service, rand.IntN(1<<20))
	return resource.NewSchemaless(
		semconv.ServiceName(service),
		attribute.String("service.version", "1.42.3"),
		attribute.String("service.instance.id", fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())),
		attribute.String("telemetry.sdk.language", "go"),
		attribute.String("telemetry.sdk.name", "opentelemetry"),
		attribute.String("telemetry.sdk.version", "1.35.0"),
		attribute.String("k8s.namespace.name", "shop"),
		attribute.String("k8s.deployment.name", service),
		attribute.String("k8s.pod.name", pod),
		attribute.String("k8s.pod.uid", fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rand.Uint32(), rand.IntN(1<<16), rand.IntN(1<<16), rand.IntN(1<<16), rand.Uint64()&(1<<48-1))),
		attribute.String("k8s.node.name", fmt.Sprintf("ip-10-0-%d-%d.eu-west-1.compute.internal", w, rand.IntN(256))),
		attribute.String("host.name", pod),
		attribute.String("process.runtime.name", "go"),
		attribute.String("process.runtime.version", "go1.24.4"),
	)
}
